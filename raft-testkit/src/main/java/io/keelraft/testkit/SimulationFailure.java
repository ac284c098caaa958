package io.keelraft.testkit;

/**
 * A simulated run went wrong: a safety property was violated or the cluster failed to make progress. The
 * message names the property, the details, the seed and cluster size, the command that reruns exactly this
 * run, the run's recent milestones and its last events.
 */
public abstract sealed class SimulationFailure extends AssertionError permits SafetyViolation, LivenessViolation {

    /** The command that reruns one seed (both cluster sizes of {@code SimulationTest}). */
    public static String rerunCommand(long seed) {
        return "mvn -B -ntp -pl raft-testkit -am verify -Dkeel.sim.seeds=1 -Dkeel.sim.baseSeed=" + seed;
    }

    private final String property;
    private final String details;
    private final transient RunContext context;

    /** What a failure report says about the run it happened in. */
    record RunContext(long seed, int clusterSize, String settings, long virtualMillis, long events,
                      String milestones, String recentEvents) {
    }

    SimulationFailure(String property, String details, RunContext context, Throwable cause) {
        super(format(property, details, context), cause);
        this.property = property;
        this.details = details;
        this.context = context;
    }

    /** The property that failed, e.g. "Election Safety". */
    public String property() {
        return property;
    }

    /** What exactly was observed. */
    public String details() {
        return details;
    }

    /** The seed of the failing run, or -1 when the failure was raised outside a run (checker tests). */
    public long seed() {
        return context == null ? -1 : context.seed();
    }

    /** The cluster size of the failing run, or -1 outside a run. */
    public int clusterSize() {
        return context == null ? -1 : context.clusterSize();
    }

    /** The same failure, with the report of the run it happened in. */
    abstract SimulationFailure in(RunContext context);

    private static String format(String property, String details, RunContext c) {
        if (c == null) {
            return property + " violated: " + details;
        }
        return property + " violated (seed " + c.seed() + ", " + c.clusterSize() + " nodes, at " + c.virtualMillis()
                + " ms virtual, event " + c.events() + "): " + details
                + "\n  settings: " + c.settings()
                + "\n  rerun:    " + rerunCommand(c.seed())
                + "\n--- milestones (elections, faults, crashes) ---\n" + c.milestones()
                + "--- last events ---\n" + c.recentEvents();
    }
}
