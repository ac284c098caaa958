package io.keelraft.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.testkit.linearizability.CheckResult;
import io.keelraft.testkit.linearizability.Command;
import io.keelraft.testkit.linearizability.History;
import io.keelraft.testkit.linearizability.LinearizabilityChecker;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The final checks on hand-made histories, recorded the way {@link Workload} and {@link FinalChecks} record. */
class HistoryChecksTest {

    private final History history = new History();

    private long set(int client, String key, String value, long from, long to) {
        long id = history.invoke(client, Command.put(key, value), from);
        history.ok(id, to);
        return id;
    }

    private void read(int client, String key, String result, long from, long to) {
        history.ok(history.invoke(client, Command.get(key), from), to, result);
    }

    @Test
    void anAcknowledgedWriteMissingAtTheEndIsLost() {
        set(1, "k0", "c1-1", 0, 10);
        set(2, "k0", "c2-1", 20, 30);
        read(FinalChecks.FINAL_READER, "k0", "c1-1", 100, 110);
        assertThat(AcknowledgedWrites.lost(history.operations(), Map.of("k0", "c1-1")))
                .singleElement().asString().contains("acknowledged write lost", "c2-1");
        // The final read went back in time too: not linearizable.
        assertThat(new LinearizabilityChecker().check(history).verdict())
                .isEqualTo(CheckResult.Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aWriteOverwrittenByALaterOneIsNotLost() {
        set(1, "k0", "c1-1", 0, 10);
        set(2, "k0", "c2-1", 20, 30);
        read(FinalChecks.FINAL_READER, "k0", "c2-1", 100, 110);
        assertThat(AcknowledgedWrites.lost(history.operations(), Map.of("k0", "c2-1"))).isEmpty();
        assertThat(new LinearizabilityChecker().check(history).isLinearizable()).isTrue();
    }

    @Test
    void aLaterWriteOfUnknownOutcomeMayHaveOverwrittenIt() {
        set(1, "k0", "c1-1", 0, 10);
        long lost = history.invoke(2, Command.cas("k0", "c1-1", "c2-1"), 20);
        history.unknown(lost);
        read(FinalChecks.FINAL_READER, "k0", "c2-1", 100, 110);
        assertThat(AcknowledgedWrites.lost(history.operations(), Map.of("k0", "c2-1"))).isEmpty();
        assertThat(new LinearizabilityChecker().check(history).isLinearizable()).isTrue();
    }

    @Test
    void aWriteThatEndedBeforeTheAcknowledgedOneBeganCannotExcuseIt() {
        set(2, "k0", "c2-1", 0, 10);
        set(1, "k0", "c1-1", 20, 30);
        Map<String, String> finalValues = new HashMap<>();
        finalValues.put("k0", "c2-1");
        assertThat(AcknowledgedWrites.lost(history.operations(), finalValues)).singleElement().asString()
                .contains("c1-1");
    }

    @Test
    void aWriteAnsweredTryAgainThatIsReadBackIsAViolation() {
        // TRYAGAIN promises "not applied": the checker leaves the write out, so reading its value back is not
        // linearizable — what an independent run found before keel-kv's replies told the truth.
        set(1, "k0", "c1-1", 0, 10);
        long write = history.invoke(2, Command.put("k0", "c2-1"), 20);
        WriteErrors.record(history, write, 30, "TRYAGAIN no leader elected yet"); // as the workload records it
        read(3, "k0", "c2-1", 40, 50);
        assertThat(new LinearizabilityChecker().check(history).verdict())
                .isEqualTo(CheckResult.Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aWriteAnsweredUnknownMayOrMayNotHaveHappened() {
        set(1, "k0", "c1-1", 0, 10);
        long write = history.invoke(2, Command.put("k0", "c2-1"), 20);
        WriteErrors.record(history, write, 30, "UNKNOWN timed out, the command may or may not have been applied");
        read(3, "k0", "c1-1", 40, 50); // not yet applied
        read(3, "k0", "c2-1", 60, 70); // applied later, after its client gave up
        assertThat(new LinearizabilityChecker().check(history).isLinearizable()).isTrue();
        // ... or never.
        History never = new History();
        never.ok(never.invoke(1, Command.put("k0", "c1-1"), 0), 10);
        WriteErrors.record(never, never.invoke(2, Command.put("k0", "c2-1"), 20), 30, "UNKNOWN outcome unknown");
        never.ok(never.invoke(3, Command.get("k0"), 100), 110, "c1-1");
        assertThat(new LinearizabilityChecker().check(never).isLinearizable()).isTrue();
    }

    @Test
    void aCasWithoutSwapChangesNothing() {
        set(1, "k0", "c1-1", 0, 10);
        long cas = history.invoke(2, Command.cas("k0", "c9-9", "c2-1"), 20);
        history.fail(cas, 30);
        read(FinalChecks.FINAL_READER, "k0", "c1-1", 100, 110);
        assertThat(AcknowledgedWrites.lost(history.operations(), Map.of("k0", "c1-1"))).isEmpty();
        assertThat(new LinearizabilityChecker().check(history).isLinearizable()).isTrue();
    }

    @Test
    void aStaleReadIsNotLinearizable() {
        set(1, "k0", "c1-1", 0, 10);
        set(1, "k0", "c1-2", 20, 30);
        read(2, "k0", "c1-1", 40, 50); // after c1-2 was acknowledged
        read(FinalChecks.FINAL_READER, "k0", "c1-2", 100, 110);
        CheckResult result = new LinearizabilityChecker().check(history);
        assertThat(result.verdict()).isEqualTo(CheckResult.Verdict.NOT_LINEARIZABLE);
        assertThat(AcknowledgedWrites.lost(history.operations(), Map.of("k0", "c1-2"))).isEmpty();
    }

    @Test
    void aReadOfAWriteOfUnknownOutcomeIsFine() {
        long timedOut = history.invoke(1, Command.put("k0", "c1-1"), 0);
        history.unknown(timedOut);
        read(2, "k0", "c1-1", 50, 60);
        read(2, "k0", "c1-1", 70, 80);
        assertThat(new LinearizabilityChecker().check(history).isLinearizable()).isTrue();
    }
}
