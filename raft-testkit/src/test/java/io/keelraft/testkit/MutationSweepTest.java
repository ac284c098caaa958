package io.keelraft.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The short simulation sweep that mutation testing (docs/MUTATION.md, {@code -Pmutation}) runs next to the
 * protocol's unit tests: a few seeds of each configuration {@link SimulationTest} sweeps at length — 3 and 5
 * servers, PreVote and CheckQuorum on and off — with the full fault schedule, membership changes, leadership
 * transfers, snapshots and InstallSnapshot, every safety checker after every event and the liveness check at the
 * end. One test per configuration, so that PIT can stop at the first (cheapest) one that kills a mutant.
 *
 * <p>It also runs in the ordinary build (a few seconds), so that it stays green on unmutated code: a mutant is
 * only "killed" by a sweep that passes without it. {@code keel.mutation.seeds} overrides the seed count.
 */
class MutationSweepTest {

    /** Seeds per configuration: enough for elections, transfers, removals and snapshot installs to happen. */
    static final int SEEDS = Integer.getInteger("keel.mutation.seeds", 4);
    /** PIT runs two mutants in parallel on a 2-core machine; each sweep stays on one thread. */
    private static final int THREADS = 1;

    @Test
    void threeServers() {
        sweep(SimulationOptions.builder().clusterSize(3).build());
    }

    @Test
    void fiveServers() {
        sweep(SimulationOptions.builder().clusterSize(5).build());
    }

    @Test
    void threeServersWithoutPreVoteOrCheckQuorum() {
        sweep(SimulationOptions.builder().clusterSize(3).preVote(false).checkQuorum(false).build());
    }

    @Test
    void fiveServersWithoutPreVoteOrCheckQuorum() {
        sweep(SimulationOptions.builder().clusterSize(5).preVote(false).checkQuorum(false).build());
    }

    private static void sweep(SimulationOptions options) {
        SeedSweep.Outcome outcome = SeedSweep.run(options, 1, SEEDS, THREADS);
        if (outcome.failure() != null) {
            throw outcome.failure();
        }
        assertThat(outcome.results()).hasSize(SEEDS);
        assertThat(outcome.malformedDropped())
                .as("messages the protocol rejected as malformed; the simulator only sends well-formed ones")
                .isZero();
        assertThat(outcome.results()).allSatisfy(r -> {
            assertThat(r.committedIndex()).as("entries committed, seed " + r.seed()).isPositive();
            assertThat(r.readsServed()).as("reads served, seed " + r.seed()).isPositive();
        });
    }
}
