package io.keelraft.testkit.linearizability;

import static io.keelraft.testkit.linearizability.Command.append;
import static io.keelraft.testkit.linearizability.Command.cas;
import static io.keelraft.testkit.linearizability.Command.put;
import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.testkit.linearizability.CheckResult.Verdict;
import org.junit.jupiter.api.Test;

/** Hand-written histories that are not linearizable, each named for the anomaly it shows. */
class NonLinearizableHistoriesTest {

    private static Violation assertViolation(TestHistory h, String key) {
        CheckResult result = h.check();
        assertThat(result.verdict()).as(result.describe()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.violations()).extracting(Violation::key).containsExactly(key);
        return result.violations().get(0);
    }

    @Test
    void staleReadAfterACompletedWrite() {
        Violation v = assertViolation(new TestHistory()
                .ok(1, put("x", "1"), 0, 10)
                .ok(1, put("x", "2"), 20, 30)
                .read(2, "x", 40, 50, "1"), "x");
        assertThat(v.stuck().result()).isEqualTo("1");
        assertThat(v.valueAtStuck()).isEqualTo("2");
    }

    @Test
    void newOldInversion() {
        // The write is still running, but once one read saw "new", a later read may not see "old".
        Violation v = assertViolation(new TestHistory()
                .ok(1, put("x", "old"), 0, 10)
                .ok(2, put("x", "new"), 20, 200)
                .read(3, "x", 30, 40, "new")
                .read(4, "x", 50, 60, "old"), "x");
        assertThat(v.firstBadCompletion().result()).isEqualTo("old");
    }

    @Test
    void appendAppliedTwice() {
        // A retried append without session deduplication applies twice.
        assertViolation(new TestHistory()
                .ok(1, append("x", "a"), 0, 10)
                .unknown(2, append("x", "b"), 20)
                .read(1, "x", 100, 110, "abb"), "x");
    }

    @Test
    void lostAcknowledgedWrite() {
        // e.g. a leader acknowledged before a majority had the entry, then lost leadership.
        assertViolation(new TestHistory()
                .ok(1, put("x", "1"), 0, 10)
                .ok(2, put("x", "2"), 20, 30)
                .read(3, "x", 40, 50, "2")
                .ok(1, append("x", "a"), 60, 70)
                .read(3, "x", 80, 90, "1a"), "x");
    }

    @Test
    void readOfAFailedWrite() {
        assertViolation(new TestHistory()
                .ok(1, put("x", "1"), 0, 10)
                .fail(2, put("x", "2"), 20, 30)
                .read(1, "x", 40, 50, "2"), "x");
    }

    @Test
    void readOfAValueNoOneWrote() {
        assertViolation(new TestHistory()
                .ok(1, put("x", "1"), 0, 10)
                .read(1, "x", 20, 30, "7"), "x");
    }

    @Test
    void readOfAbsentAfterAWrite() {
        assertViolation(new TestHistory()
                .ok(1, put("x", "1"), 0, 10)
                .read(2, "x", 20, 30, null), "x");
    }

    @Test
    void compareAndSetFromAValueThatWasGone() {
        assertViolation(new TestHistory()
                .ok(1, put("x", "1"), 0, 10)
                .ok(1, put("x", "2"), 20, 30)
                .ok(2, cas("x", "1", "3"), 40, 50), "x");
    }

    @Test
    void unknownWriteCannotTakeEffectBeforeItWasInvoked() {
        assertViolation(new TestHistory()
                .ok(1, put("x", "1"), 0, 10)
                .read(2, "x", 20, 30, "2")
                .unknown(3, put("x", "2"), 40), "x");
    }

    @Test
    void twoWritesObservedInBothOrders() {
        // Two clients each see the other's write land last: no single order explains both.
        assertViolation(new TestHistory()
                .ok(1, put("x", "1"), 0, 100)
                .ok(2, put("x", "2"), 0, 100)
                .read(3, "x", 110, 120, "1")
                .read(4, "x", 130, 140, "2")
                .read(3, "x", 150, 160, "1"), "x");
    }
}
