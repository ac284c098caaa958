package io.keelraft.testkit;

import io.keelraft.core.RaftOptions;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Everything that shapes one simulated run besides the seed's dice: cluster size, protocol timing, how
 * unreliable the network and disks are, how hard the fault schedule pushes, and the liveness bounds. Virtual
 * time is in milliseconds. Build with {@link #builder()}; {@link #withSeed(long)} varies only the seed.
 */
public final class SimulationOptions {

    private final Builder b;

    private SimulationOptions(Builder b) {
        this.b = b.copy();
    }

    /** Options with the defaults used by the simulation tests. */
    public static Builder builder() {
        return new Builder();
    }

    /** A copy of these options with another seed. */
    public SimulationOptions withSeed(long seed) {
        return toBuilder().seed(seed).build();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return b.copy();
    }

    /** The seed every random decision of the run derives from. */
    public long seed() {
        return b.seed;
    }

    /** Number of voting servers. */
    public int clusterSize() {
        return b.clusterSize;
    }

    /** Virtual milliseconds between two ticks of a server. */
    public int tickMillis() {
        return b.tickMillis;
    }

    /**
     * Servers beyond the initial cluster (named after it: n(N+1)..), started with no configuration; membership
     * changes may add them.
     */
    public int spareServers() {
        return b.spareServers;
    }

    /**
     * Mean virtual milliseconds between two membership actions (a configuration change or a leadership transfer)
     * during the fault phase; 0 turns membership changes off (and spares are then never added).
     */
    public long membershipEveryMillis() {
        return b.membershipEveryMillis;
    }

    /**
     * The options every simulated server runs with: the one {@link RaftOptions}, its tick one virtual tick
     * ({@link #tickMillis()}), the timing and switches of this simulation, small batches and windows.
     */
    public RaftOptions raftOptions() {
        RaftOptions.Builder config = RaftOptions.builder()
                .tick(Duration.ofMillis(b.tickMillis))
                .electionTimeoutTicks(b.electionTimeoutTicks)
                .heartbeatIntervalTicks(b.heartbeatIntervalTicks)
                .preVote(b.preVote)
                .checkQuorum(b.checkQuorum)
                // Small batches and windows, so that probing, pipelining and pausing all happen in short runs.
                .maxEntriesPerAppend(8)
                .maxInflightAppends(4);
        b.protocolTuning.accept(config);
        return config.build();
    }

    /** Whether PreVote (thesis §9.6) is on. */
    public boolean preVote() {
        return b.preVote;
    }

    /** Whether CheckQuorum (thesis §6.2) is on. */
    public boolean checkQuorum() {
        return b.checkQuorum;
    }

    /** Virtual length of the phase with faults; the liveness check starts when it ends. */
    public long faultPhaseMillis() {
        return b.faultPhaseMillis;
    }

    /** Whether the fault schedule runs at all. */
    public boolean faults() {
        return b.faults;
    }

    /** Longest fault episode; episodes last between a tenth of this and this. */
    public long maxFaultEpisodeMillis() {
        return b.maxFaultEpisodeMillis;
    }

    /** Longest quiet period between fault episodes. */
    public long maxCalmMillis() {
        return b.maxCalmMillis;
    }

    /** Shortest delay of a message on the network. */
    public long minMessageDelayMillis() {
        return b.minMessageDelayMillis;
    }

    /** Longest delay of a message that is not slow. */
    public long maxMessageDelayMillis() {
        return b.maxMessageDelayMillis;
    }

    /** Chance that a message is slow: delayed up to {@link #maxSlowMessageDelayMillis()}, overtaking others. */
    public double slowMessageProbability() {
        return b.slowMessageProbability;
    }

    /** Longest delay of a slow message. */
    public long maxSlowMessageDelayMillis() {
        return b.maxSlowMessageDelayMillis;
    }

    /** Chance that a message is lost when no fault is active. */
    public double lossProbability() {
        return b.lossProbability;
    }

    /** Chance that a message is delivered twice. */
    public double duplicateProbability() {
        return b.duplicateProbability;
    }

    /** Shortest time a disk write takes. */
    public long minDiskWriteMillis() {
        return b.minDiskWriteMillis;
    }

    /** Longest time a disk write takes on a disk that is not stalled. */
    public long maxDiskWriteMillis() {
        return b.maxDiskWriteMillis;
    }

    /** Longest write on a stalled disk (a fault the schedule injects). */
    public long maxStalledDiskWriteMillis() {
        return b.maxStalledDiskWriteMillis;
    }

    /** Mean virtual time between two client proposals. */
    public long proposeEveryMillis() {
        return b.proposeEveryMillis;
    }

    /** Mean virtual time between two client reads. */
    public long readEveryMillis() {
        return b.readEveryMillis;
    }

    /** After the faults stop, a leader must be elected within this time. */
    public long leaderWithinMillis() {
        return b.leaderWithinMillis;
    }

    /** Once there is a leader, the liveness proposals must be applied everywhere within this time. */
    public long commitWithinMillis() {
        return b.commitWithinMillis;
    }

    /** How many fresh commands the liveness check proposes. */
    public int livenessProposals() {
        return b.livenessProposals;
    }

    /** How many recent events a failure report shows. */
    public int traceCapacity() {
        return b.traceCapacity;
    }

    /** Whether the trace hash covers every event's full text (slower; for determinism tests). */
    public boolean hashFullTrace() {
        return b.hashFullTrace;
    }

    /**
     * A server snapshots its state machine each time it has applied this many entries since its last
     * snapshot, then compacts its log; 0 turns snapshots (and compaction, and InstallSnapshot) off.
     */
    public int snapshotEveryEntries() {
        return b.snapshotEveryEntries;
    }

    /**
     * Most entries a compaction keeps before the snapshot's index. Each compaction draws its margin: none half
     * the time (so lagging followers need InstallSnapshot often), else up to this many.
     */
    public int maxCompactionMargin() {
        return b.maxCompactionMargin;
    }

    /** A deliberate bug in the simulated driver's snapshot handling (test-only); {@link SnapshotBug#NONE} normally. */
    public SnapshotBug snapshotBug() {
        return b.snapshotBug;
    }

    /** Test-only bugs of the simulated driver's snapshot path, which the checkers must catch. */
    public enum SnapshotBug {
        /** No bug. */
        NONE,
        /**
         * A follower installing a leader's snapshot restores its state machine from the snapshot it already had
         * (or an empty one) instead of the one it received.
         */
        RESTORE_STALE_SNAPSHOT
    }

    /** One line naming the settings that matter when reading a failure. */
    public String summary() {
        return b.clusterSize + " nodes, seed " + b.seed + ", preVote=" + b.preVote + ", checkQuorum=" + b.checkQuorum
                + ", electionTimeoutTicks=" + b.electionTimeoutTicks + ", heartbeatIntervalTicks="
                + b.heartbeatIntervalTicks + ", tick=" + b.tickMillis + "ms, faults=" + (b.faults ? b.faultPhaseMillis
                + "ms" : "off") + ", snapshots=" + (b.snapshotEveryEntries == 0 ? "off" : "every "
                + b.snapshotEveryEntries + " entries, margin <= " + b.maxCompactionMargin)
                + (b.snapshotBug == SnapshotBug.NONE ? "" : ", snapshotBug=" + b.snapshotBug)
                + ", membership=" + (b.membershipEveryMillis == 0 ? "off" : "every ~" + b.membershipEveryMillis
                + "ms, " + b.spareServers + " spares");
    }

    @Override
    public String toString() {
        return "SimulationOptions{" + summary() + "}";
    }

    /** Builder with the defaults of the simulation tests; every value is checked by {@link #build()}. */
    public static final class Builder {
        private long seed = 1;
        private int clusterSize = 3;
        private int spareServers = 2;
        private long membershipEveryMillis = 400;
        private int tickMillis = 10;
        private int electionTimeoutTicks = 10;
        private int heartbeatIntervalTicks = 2;
        private boolean preVote = true;
        private boolean checkQuorum = true;
        private Consumer<RaftOptions.Builder> protocolTuning = c -> { };
        private long faultPhaseMillis = 20_000;
        private boolean faults = true;
        private long maxFaultEpisodeMillis = 2_000;
        private long maxCalmMillis = 1_000;
        private long minMessageDelayMillis = 1;
        private long maxMessageDelayMillis = 8;
        private double slowMessageProbability = 0.02;
        private long maxSlowMessageDelayMillis = 150;
        private double lossProbability = 0.01;
        private double duplicateProbability = 0.02;
        private long minDiskWriteMillis = 1;
        private long maxDiskWriteMillis = 6;
        private long maxStalledDiskWriteMillis = 300;
        private long proposeEveryMillis = 40;
        private long readEveryMillis = 100;
        private long leaderWithinMillis = 10_000;
        private long commitWithinMillis = 10_000;
        private int livenessProposals = 5;
        private int traceCapacity = 200;
        private boolean hashFullTrace;
        private int snapshotEveryEntries = 25;
        private int maxCompactionMargin = 20;
        private SnapshotBug snapshotBug = SnapshotBug.NONE;

        private Builder() {
        }

        private Builder copy() {
            Builder c = new Builder();
            c.seed = seed;
            c.clusterSize = clusterSize;
            c.spareServers = spareServers;
            c.membershipEveryMillis = membershipEveryMillis;
            c.tickMillis = tickMillis;
            c.electionTimeoutTicks = electionTimeoutTicks;
            c.heartbeatIntervalTicks = heartbeatIntervalTicks;
            c.preVote = preVote;
            c.checkQuorum = checkQuorum;
            c.protocolTuning = protocolTuning;
            c.faultPhaseMillis = faultPhaseMillis;
            c.faults = faults;
            c.maxFaultEpisodeMillis = maxFaultEpisodeMillis;
            c.maxCalmMillis = maxCalmMillis;
            c.minMessageDelayMillis = minMessageDelayMillis;
            c.maxMessageDelayMillis = maxMessageDelayMillis;
            c.slowMessageProbability = slowMessageProbability;
            c.maxSlowMessageDelayMillis = maxSlowMessageDelayMillis;
            c.lossProbability = lossProbability;
            c.duplicateProbability = duplicateProbability;
            c.minDiskWriteMillis = minDiskWriteMillis;
            c.maxDiskWriteMillis = maxDiskWriteMillis;
            c.maxStalledDiskWriteMillis = maxStalledDiskWriteMillis;
            c.proposeEveryMillis = proposeEveryMillis;
            c.readEveryMillis = readEveryMillis;
            c.leaderWithinMillis = leaderWithinMillis;
            c.commitWithinMillis = commitWithinMillis;
            c.livenessProposals = livenessProposals;
            c.traceCapacity = traceCapacity;
            c.hashFullTrace = hashFullTrace;
            c.snapshotEveryEntries = snapshotEveryEntries;
            c.maxCompactionMargin = maxCompactionMargin;
            c.snapshotBug = snapshotBug;
            return c;
        }

        /** The seed every random decision of the run derives from. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Number of voting servers, named n1..nN. */
        public Builder clusterSize(int n) {
            this.clusterSize = n;
            return this;
        }

        /** See {@link SimulationOptions#spareServers()}. */
        public Builder spareServers(int n) {
            this.spareServers = n;
            return this;
        }

        /** See {@link SimulationOptions#membershipEveryMillis()}; 0 turns membership changes off. */
        public Builder membershipEveryMillis(long millis) {
            this.membershipEveryMillis = millis;
            return this;
        }

        /** Virtual milliseconds between two ticks of a server. */
        public Builder tickMillis(int millis) {
            this.tickMillis = millis;
            return this;
        }

        /** See {@link RaftOptions#electionTimeoutTicks()}. */
        public Builder electionTimeoutTicks(int ticks) {
            this.electionTimeoutTicks = ticks;
            return this;
        }

        /** See {@link RaftOptions#heartbeatIntervalTicks()}. */
        public Builder heartbeatIntervalTicks(int ticks) {
            this.heartbeatIntervalTicks = ticks;
            return this;
        }

        /** See {@link RaftOptions#preVote()}. */
        public Builder preVote(boolean enabled) {
            this.preVote = enabled;
            return this;
        }

        /** See {@link RaftOptions#checkQuorum()}. */
        public Builder checkQuorum(boolean enabled) {
            this.checkQuorum = enabled;
            return this;
        }

        /** Further protocol settings, applied after the simulator's own (timing, PreVote, small batches). */
        public Builder protocolTuning(Consumer<RaftOptions.Builder> tuning) {
            this.protocolTuning = Objects.requireNonNull(tuning, "tuning");
            return this;
        }

        /** Virtual length of the phase with faults, before the liveness check. */
        public Builder faultPhaseMillis(long millis) {
            this.faultPhaseMillis = millis;
            return this;
        }

        /** Whether the fault schedule runs at all. */
        public Builder faults(boolean enabled) {
            this.faults = enabled;
            return this;
        }

        /** Longest fault episode. */
        public Builder maxFaultEpisodeMillis(long millis) {
            this.maxFaultEpisodeMillis = millis;
            return this;
        }

        /** Longest quiet period between fault episodes. */
        public Builder maxCalmMillis(long millis) {
            this.maxCalmMillis = millis;
            return this;
        }

        /** Range of the delay of a message that is not slow. */
        public Builder messageDelayMillis(long min, long max) {
            this.minMessageDelayMillis = min;
            this.maxMessageDelayMillis = max;
            return this;
        }

        /** Chance that a message is slow, and how slow it may be. */
        public Builder slowMessages(double probability, long maxDelayMillis) {
            this.slowMessageProbability = probability;
            this.maxSlowMessageDelayMillis = maxDelayMillis;
            return this;
        }

        /** Chance that a message is lost when no fault is active. */
        public Builder lossProbability(double p) {
            this.lossProbability = p;
            return this;
        }

        /** Chance that a message is delivered twice. */
        public Builder duplicateProbability(double p) {
            this.duplicateProbability = p;
            return this;
        }

        /** Range of the time a disk write takes when the disk is not stalled. */
        public Builder diskWriteMillis(long min, long max) {
            this.minDiskWriteMillis = min;
            this.maxDiskWriteMillis = max;
            return this;
        }

        /** Longest write on a stalled disk. */
        public Builder maxStalledDiskWriteMillis(long millis) {
            this.maxStalledDiskWriteMillis = millis;
            return this;
        }

        /** Mean virtual time between two client proposals. */
        public Builder proposeEveryMillis(long millis) {
            this.proposeEveryMillis = millis;
            return this;
        }

        /** Mean virtual time between two client reads. */
        public Builder readEveryMillis(long millis) {
            this.readEveryMillis = millis;
            return this;
        }

        /** Liveness bound: time from the end of faults to an elected leader. */
        public Builder leaderWithinMillis(long millis) {
            this.leaderWithinMillis = millis;
            return this;
        }

        /** Liveness bound: time from that leader's election to fresh commands applied everywhere. */
        public Builder commitWithinMillis(long millis) {
            this.commitWithinMillis = millis;
            return this;
        }

        /** How many fresh commands the liveness check proposes. */
        public Builder livenessProposals(int n) {
            this.livenessProposals = n;
            return this;
        }

        /** How many recent events a failure report shows. */
        public Builder traceCapacity(int events) {
            this.traceCapacity = events;
            return this;
        }

        /** Whether the trace hash covers every event's full text (slower; for determinism tests). */
        public Builder hashFullTrace(boolean enabled) {
            this.hashFullTrace = enabled;
            return this;
        }

        /** Snapshot every this many applied entries (0: never); see {@link SimulationOptions#snapshotEveryEntries()}. */
        public Builder snapshotEveryEntries(int entries) {
            this.snapshotEveryEntries = entries;
            return this;
        }

        /** Most entries a compaction keeps before the snapshot's index. */
        public Builder maxCompactionMargin(int entries) {
            this.maxCompactionMargin = entries;
            return this;
        }

        /** Test-only: a deliberate bug in the simulated driver's snapshot handling. */
        public Builder snapshotBug(SnapshotBug bug) {
            this.snapshotBug = Objects.requireNonNull(bug, "bug");
            return this;
        }

        /** Checks every value and builds. */
        public SimulationOptions build() {
            atLeast("clusterSize", clusterSize, 1);
            atLeast("tickMillis", tickMillis, 1);
            atLeast("spareServers", spareServers, 0);
            atLeast("membershipEveryMillis", membershipEveryMillis, 0);
            atLeast("faultPhaseMillis", faultPhaseMillis, 0);
            atLeast("maxFaultEpisodeMillis", maxFaultEpisodeMillis, 10);
            atLeast("maxCalmMillis", maxCalmMillis, 1);
            atLeast("minMessageDelayMillis", minMessageDelayMillis, 0);
            atLeast("maxMessageDelayMillis", maxMessageDelayMillis, minMessageDelayMillis);
            atLeast("maxSlowMessageDelayMillis", maxSlowMessageDelayMillis, maxMessageDelayMillis);
            atLeast("minDiskWriteMillis", minDiskWriteMillis, 0);
            atLeast("maxDiskWriteMillis", maxDiskWriteMillis, minDiskWriteMillis);
            atLeast("maxStalledDiskWriteMillis", maxStalledDiskWriteMillis, maxDiskWriteMillis);
            atLeast("proposeEveryMillis", proposeEveryMillis, 1);
            atLeast("readEveryMillis", readEveryMillis, 1);
            atLeast("leaderWithinMillis", leaderWithinMillis, 1);
            atLeast("commitWithinMillis", commitWithinMillis, 1);
            atLeast("livenessProposals", livenessProposals, 1);
            atLeast("traceCapacity", traceCapacity, 1);
            atLeast("snapshotEveryEntries", snapshotEveryEntries, 0);
            atLeast("maxCompactionMargin", maxCompactionMargin, 0);
            probability("slowMessageProbability", slowMessageProbability);
            probability("lossProbability", lossProbability);
            probability("duplicateProbability", duplicateProbability);
            SimulationOptions options = new SimulationOptions(this);
            options.raftOptions(); // fails early on inconsistent timing
            return options;
        }

        private static void atLeast(String name, long value, long min) {
            if (value < min) {
                throw new IllegalArgumentException(name + " must be at least " + min + ", was " + value);
            }
        }

        private static void probability(String name, double p) {
            if (!(p >= 0 && p < 1)) {
                throw new IllegalArgumentException(name + " must be in [0, 1), was " + p);
            }
        }
    }
}
