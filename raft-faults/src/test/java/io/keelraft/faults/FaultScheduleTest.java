package io.keelraft.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class FaultScheduleTest {

    @Test
    void theSameSeedGivesTheSameSchedule() {
        Set<FaultKind> all = FaultKind.parseMix("all");
        FaultSchedule a = FaultSchedule.generate(42, 60_000, all);
        FaultSchedule b = FaultSchedule.generate(42, 60_000, all);
        assertThat(a).isEqualTo(b);
        assertThat(a.describe()).isEqualTo(b.describe());
        assertThat(FaultSchedule.generate(43, 60_000, all).steps()).isNotEqualTo(a.steps());
    }

    @Test
    void stepsAreOneAtATimeWithinTheWorkload() {
        for (long seed = 0; seed < 200; seed++) {
            FaultSchedule s = FaultSchedule.generate(seed, 60_000, FaultKind.parseMix("all"));
            assertThat(s.steps()).isNotEmpty();
            long end = FaultSchedule.WARMUP_MILLIS;
            for (FaultStep step : s.steps()) {
                assertThat(step.startMillis()).isGreaterThanOrEqualTo(end);
                assertThat(step.durationMillis()).isBetween(step.kind().minMillis(), step.kind().maxMillis());
                end = step.endMillis() + FaultSchedule.MIN_GAP_MILLIS;
            }
            assertThat(s.steps().get(s.steps().size() - 1).endMillis())
                    .isLessThanOrEqualTo(60_000 - FaultSchedule.TAIL_MILLIS);
        }
    }

    @Test
    void aShortRunSeesEveryKindOfItsMix() {
        for (String mix : List.of("kills", "partitions")) {
            for (long seed = 0; seed < 100; seed++) {
                Set<FaultKind> kinds = FaultSchedule.generate(seed, 60_000, FaultKind.parseMix(mix)).steps().stream()
                        .map(FaultStep::kind).collect(Collectors.toSet());
                assertThat(kinds).as("mix %s seed %d", mix, seed).isEqualTo(FaultKind.parseMix(mix));
            }
        }
    }

    @Test
    void pausesOutlastTheElectionTimeout() {
        // The servers' election timeout is 1-2 s.
        assertThat(FaultKind.PAUSE_NODE.minMillis()).isGreaterThan(2_000);
        assertThat(FaultKind.PAUSE_LEADER.minMillis()).isGreaterThan(2_000);
    }

    @Test
    void mixesNameFamiliesAndKinds() {
        Set<FaultKind> longHolds = EnumSet.of(FaultKind.LONG_ISOLATE_LEADER, FaultKind.LONG_ISOLATE_FOLLOWER,
                FaultKind.LONG_ONE_WAY_TO_FOLLOWER, FaultKind.LONG_ONE_WAY_FROM_FOLLOWER);
        assertThat(FaultKind.parseMix("all")).isEqualTo(EnumSet.complementOf(EnumSet.copyOf(longHolds)));
        assertThat(FaultKind.parseMix("all", true)).isEqualTo(EnumSet.allOf(FaultKind.class));
        assertThat(FaultKind.parseMix("long-partition")).isEqualTo(longHolds);
        assertThat(FaultKind.parseMix("partitions", true)).containsAll(longHolds);
        assertThat(FaultKind.parseMix("clock")).containsExactly(FaultKind.CLOCK_SKEW,
                FaultKind.CLOCK_SKEW_ISOLATED_LEADER);
        assertThat(FaultKind.parseMix("kills")).containsExactlyInAnyOrder(FaultKind.KILL_NODE, FaultKind.KILL_LEADER,
                FaultKind.PAUSE_NODE, FaultKind.PAUSE_LEADER, FaultKind.DISK_FULL);
        assertThat(FaultKind.parseMix("partitions")).containsExactlyInAnyOrder(FaultKind.PARTITION_MAJORITY,
                FaultKind.PARTITION_BRIDGE, FaultKind.PARTITION_ONE_WAY, FaultKind.ISOLATE_LEADER,
                FaultKind.TRANSFER_LEADER, FaultKind.MEMBERSHIP, FaultKind.REPLACE_LEADER);
        assertThat(FaultKind.parseMix("kills,partitions,clock")).isEqualTo(FaultKind.parseMix("all"));
        assertThat(FaultKind.parseMix("pause, kill_leader")).containsExactlyInAnyOrder(FaultKind.PAUSE_NODE,
                FaultKind.PAUSE_LEADER, FaultKind.KILL_LEADER);
        assertThat(FaultKind.parseMix("none")).isEmpty();
        assertThat(FaultSchedule.generate(1, 60_000, FaultKind.parseMix("none")).steps()).isEmpty();
        assertThatThrownBy(() -> FaultKind.parseMix("meteor")).hasMessageContaining("unknown fault mix 'meteor'");
    }

    @Test
    void longHoldsAreFollowedByALongQuietTimeAndNeverEndTheScheduleEarly() {
        for (long seed = 0; seed < 100; seed++) {
            FaultSchedule s = FaultSchedule.generate(seed, 600_000, FaultKind.parseMix("all", true));
            List<FaultStep> steps = s.steps();
            for (int i = 0; i + 1 < steps.size(); i++) {
                if (steps.get(i).kind().longHold()) {
                    assertThat(steps.get(i + 1).startMillis() - steps.get(i).endMillis())
                            .isGreaterThanOrEqualTo(FaultSchedule.MIN_LONG_GAP_MILLIS);
                }
            }
            // A long hold that does not fit near the end is left out, not the end of the schedule.
            assertThat(steps.get(steps.size() - 1).endMillis()).as("seed %d", seed)
                    .isGreaterThan(600_000 - FaultSchedule.TAIL_MILLIS - 70_000);
        }
        assertThat(FaultSchedule.generate(7, 60_000, FaultKind.parseMix("long-partition")).steps()).allSatisfy(
                step -> assertThat(step.durationMillis()).isBetween(30_000L, 54_000L));
    }
}
