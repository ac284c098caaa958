package io.keelraft.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealRecoveriesTest {

    private final RunClock clock = new RunClock();
    private final FaultLog log = new FaultLog(clock);
    private final HealRecoveries recoveries = new HealRecoveries(log, clock);

    private static FaultStep step(int index, FaultKind kind) {
        return new FaultStep(index, index * 1_000L, 500, kind, index);
    }

    @Test
    void aHealIsRecoveredOnceEveryServerTookAWriteAndAllNameOneLeader() {
        recoveries.wrote("n1", clock.nanos()); // before any heal: not a recovery
        recoveries.healed(step(0, FaultKind.ISOLATE_LEADER), List.of("n1", "n2", "n3"));
        long healed = clock.nanos();
        recoveries.wrote("n1", healed + 1);
        recoveries.wrote("n2", healed + 2);
        recoveries.leaderAgreed(healed + 3);
        assertThat(recoveries.samples()).isEmpty(); // n3 has taken no write yet
        recoveries.wrote("n3", healed + 4);
        assertThat(recoveries.samples()).singleElement().satisfies(s -> {
            assertThat(s.cutShort()).isFalse();
            assertThat(s.lastWriter()).isEqualTo("n3");
            assertThat(s.writesNanos()).isPositive();
            assertThat(s.leaderNanos()).isPositive();
        });
        assertThat(log.lines()).anyMatch(l -> l.contains("recovered after the heal") && l.contains("n3 last"));
    }

    @Test
    void theNextFaultCutsARecoveryShortAndTheBoundSeesIt() {
        recoveries.healed(step(0, FaultKind.PARTITION_ONE_WAY), List.of("n1", "n2", "n3"));
        recoveries.wrote("n1", clock.nanos());
        recoveries.injecting(step(1, FaultKind.KILL_NODE));
        recoveries.end(); // nothing open any more
        assertThat(recoveries.samples()).singleElement().satisfies(s -> {
            assertThat(s.cutShort()).isTrue();
            assertThat(s.writesNanos()).isEqualTo(-1);
            assertThat(s.lastWriter()).isEqualTo("n2,n3");
        });
        assertThat(recoveries.worst()).isEmpty();
        assertThat(recoveries.above(Duration.ZERO)).hasSize(1);
        assertThat(recoveries.above(Duration.ofHours(1))).isEmpty();
        assertThat(recoveries.summary()).contains("PARTITION_ONE_WAY: 0 measured; 1 cut short");
        assertThat(log.lines()).anyMatch(l -> l.contains("NOT recovered") && l.contains("no write yet through [n2, n3]"));
    }
}
