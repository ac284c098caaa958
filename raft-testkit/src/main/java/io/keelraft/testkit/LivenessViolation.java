package io.keelraft.testkit;

/**
 * Once faults stopped and every server was back, the cluster did not elect a leader, or did not commit and
 * apply fresh commands on every server, within the bounds of {@link SimulationOptions}.
 */
public final class LivenessViolation extends SimulationFailure {

    LivenessViolation(String property, String details) {
        super(property, details, null, null);
    }

    private LivenessViolation(String property, String details, RunContext context) {
        super(property, details, context, null);
    }

    @Override
    LivenessViolation in(RunContext context) {
        LivenessViolation v = new LivenessViolation(property(), details(), context);
        v.setStackTrace(getStackTrace());
        return v;
    }
}
