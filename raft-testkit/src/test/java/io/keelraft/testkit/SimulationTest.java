package io.keelraft.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The deterministic simulation: seeds {@code keel.sim.baseSeed} .. {@code baseSeed + keel.sim.seeds - 1} (default
 * 1..500) for 3- and 5-server clusters, with the full fault schedule, every safety checker after every event,
 * and the liveness check at the end of each run; and a subset of the seeds with PreVote and CheckQuorum off.
 * A failure prints its seed and the command that reruns exactly that run.
 */
class SimulationTest {

    private static final int SEEDS = Integer.getInteger("keel.sim.seeds", 500);
    private static final long BASE_SEED = Long.getLong("keel.sim.baseSeed", 1);
    /** Snapshot interval in applied entries; 0 runs without snapshots, compaction or InstallSnapshot. */
    private static final int SNAPSHOT_EVERY = Integer.getInteger("keel.sim.snapshotEvery", 25);
    private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
    /** Fewer seeds than this say nothing about an average (e.g. when one seed is rerun). */
    private static final int SEEDS_FOR_AVERAGES = 20;

    @Test
    void threeServers() {
        sweep("3 servers", SimulationOptions.builder().snapshotEveryEntries(SNAPSHOT_EVERY).clusterSize(3).build(), SEEDS);
    }

    @Test
    void fiveServers() {
        sweep("5 servers", SimulationOptions.builder().snapshotEveryEntries(SNAPSHOT_EVERY).clusterSize(5).build(), SEEDS);
    }

    @Test
    void withoutPreVoteOrCheckQuorum() {
        int seeds = Math.min(SEEDS, 100);
        for (int size : new int[] {3, 5}) {
            sweep(size + " servers, PreVote and CheckQuorum off",
                    SimulationOptions.builder().snapshotEveryEntries(SNAPSHOT_EVERY).clusterSize(size).preVote(false).checkQuorum(false).build(), seeds);
        }
    }

    private static void sweep(String name, SimulationOptions options, int seeds) {
        SeedSweep.Outcome outcome = SeedSweep.run(options, BASE_SEED, seeds, THREADS);
        System.out.println("[simulation] " + name + ", seeds " + BASE_SEED + ".." + (BASE_SEED + seeds - 1) + ": "
                + outcome.summary());
        if (outcome.failure() != null) {
            throw outcome.failure();
        }
        assertThat(outcome.results()).hasSize(seeds);
        assertThat(outcome.malformedDropped())
                .as("messages the protocol rejected as malformed; the simulator only sends well-formed ones")
                .isZero();
        if (seeds >= SEEDS_FOR_AVERAGES) {
            assertThat(outcome.meanLeaderChanges()).as("leader changes per run").isGreaterThanOrEqualTo(3);
            long fetches = outcome.results().stream().mapToLong(SimulationResult::entryFetches).sum();
            System.out.println("[simulation] " + name + ": " + fetches + " entry fetches off the raft loop");
            assertThat(fetches).as("lagging followers served from entries read off the loop").isPositive();
        }
    }
}
