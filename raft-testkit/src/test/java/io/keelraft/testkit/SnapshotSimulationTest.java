package io.keelraft.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Snapshots, log compaction and InstallSnapshot under the simulator's faults: they really happen in most runs,
 * the runs stay safe, and a driver that restores the wrong snapshot is caught.
 */
class SnapshotSimulationTest {

    private static final int SEEDS = 100;
    private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

    @Test
    void followersInstallLeaderSnapshotsInMostRuns() {
        SeedSweep.Outcome outcome = SeedSweep.run(SimulationOptions.builder().clusterSize(3).build(), 1, SEEDS,
                THREADS);
        System.out.println("[snapshots] 3 servers: " + outcome.summary());
        if (outcome.failure() != null) {
            throw outcome.failure();
        }
        assertThat(outcome.results()).allSatisfy(r -> {
            assertThat(r.snapshotsTaken()).as("snapshots taken, seed " + r.seed()).isGreaterThanOrEqualTo(3);
            assertThat(r.compactions()).as("compactions, seed " + r.seed()).isPositive();
        });
        long withInstall = outcome.results().stream().filter(r -> r.snapshotsInstalled() > 0).count();
        assertThat(withInstall).as("runs in which a follower installed a leader's snapshot")
                .isGreaterThanOrEqualTo(SEEDS / 2);
    }

    @Test
    void withoutSnapshotsTheLogIsNeverCompacted() {
        SeedSweep.Outcome outcome = SeedSweep.run(SimulationOptions.builder().snapshotEveryEntries(0).build(), 1,
                20, THREADS);
        if (outcome.failure() != null) {
            throw outcome.failure();
        }
        assertThat(outcome.results()).allSatisfy(r -> {
            assertThat(r.snapshotsTaken()).isZero();
            assertThat(r.snapshotsSent()).isZero();
            assertThat(r.compactions()).isZero();
        });
    }

    @Test
    void restoringAStaleSnapshotIsCaught() {
        SimulationOptions options = SimulationOptions.builder().clusterSize(3)
                .snapshotBug(SimulationOptions.SnapshotBug.RESTORE_STALE_SNAPSHOT).build();
        SeedSweep.Outcome outcome = SeedSweep.run(options, 1, SEEDS, THREADS);
        System.out.println("[snapshots] stale restore: " + outcome.summary()
                + (outcome.failure() == null ? "" : "; caught: " + outcome.failure().property()));

        SimulationFailure failure = outcome.failure();
        assertThat(failure).as("a violation with a stale snapshot restored").isInstanceOf(SafetyViolation.class);
        assertThat(failure.property()).isEqualTo(StateMachineSafety.PROPERTY);
        assertThatThrownBy(() -> new Simulation(options.withSeed(failure.seed())).run())
                .isInstanceOf(SafetyViolation.class).hasMessage(failure.getMessage());
    }
}
