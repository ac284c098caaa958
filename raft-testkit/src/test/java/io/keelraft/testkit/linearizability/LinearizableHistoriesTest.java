package io.keelraft.testkit.linearizability;

import static io.keelraft.testkit.linearizability.Command.append;
import static io.keelraft.testkit.linearizability.Command.cas;
import static io.keelraft.testkit.linearizability.Command.put;
import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.testkit.linearizability.CheckResult.Verdict;
import org.junit.jupiter.api.Test;

/** Hand-written histories that are linearizable, each named for the behaviour it allows. */
class LinearizableHistoriesTest {

    private static void assertLinearizable(TestHistory h) {
        CheckResult result = h.check();
        assertThat(result.verdict()).as(result.describe()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void sequentialPutsAndGets() {
        assertLinearizable(new TestHistory()
                .read(1, "x", 0, 5, null)
                .ok(1, put("x", "1"), 10, 20)
                .read(2, "x", 30, 40, "1")
                .ok(2, put("x", "2"), 50, 60)
                .read(1, "x", 70, 80, "2"));
    }

    @Test
    void concurrentWritesReadInEitherOrder() {
        // PUT 1 and PUT 2 overlap, so either may win; later reads agree on the winner.
        TestHistory oneWins = new TestHistory()
                .ok(1, put("x", "1"), 0, 100)
                .ok(2, put("x", "2"), 10, 90)
                .read(3, "x", 110, 120, "1")
                .read(4, "x", 130, 140, "1");
        TestHistory twoWins = new TestHistory()
                .ok(1, put("x", "1"), 0, 100)
                .ok(2, put("x", "2"), 10, 90)
                .read(3, "x", 110, 120, "2");
        assertLinearizable(oneWins);
        assertLinearizable(twoWins);
    }

    @Test
    void readsDuringAWriteMaySeeOldThenNew() {
        assertLinearizable(new TestHistory()
                .ok(1, put("x", "old"), 0, 10)
                .ok(2, put("x", "new"), 20, 100)
                .read(3, "x", 30, 40, "old")
                .read(3, "x", 50, 60, "new")
                .read(4, "x", 55, 110, "new"));
    }

    @Test
    void overlappingReadsMayDisagreeWhileTheWriteIsInFlight() {
        // Both reads overlap the write and each other: "new" then "old" is fine as long as they overlap.
        assertLinearizable(new TestHistory()
                .ok(1, put("x", "old"), 0, 10)
                .ok(2, put("x", "new"), 20, 100)
                .read(3, "x", 30, 60, "new")
                .read(4, "x", 40, 70, "old"));
    }

    @Test
    void unknownWriteThatTookEffect() {
        assertLinearizable(new TestHistory()
                .ok(1, put("x", "1"), 0, 10)
                .unknown(2, put("x", "2"), 20)
                .read(1, "x", 100, 110, "2"));
    }

    @Test
    void unknownWriteThatNeverTookEffect() {
        assertLinearizable(new TestHistory()
                .ok(1, put("x", "1"), 0, 10)
                .unknown(2, put("x", "2"), 20)
                .read(1, "x", 100, 110, "1")
                .read(1, "x", 200, 210, "1"));
    }

    @Test
    void unknownWriteMayTakeEffectLongAfterItsClientGaveUp() {
        // A retried or delayed command can apply late: after PUT 3 completes and a read has seen 3.
        assertLinearizable(new TestHistory()
                .unknown(2, put("x", "2"), 0)
                .ok(1, put("x", "3"), 100, 110)
                .read(1, "x", 120, 130, "3")
                .read(1, "x", 500, 510, "2"));
    }

    @Test
    void unknownAppendThatTookEffectOnce() {
        assertLinearizable(new TestHistory()
                .ok(1, append("x", "a"), 0, 10)
                .unknown(2, append("x", "b"), 20)
                .ok(1, append("x", "c"), 30, 40)
                .read(1, "x", 50, 60, "abc"));
    }

    @Test
    void failedWritesAreNeverSeen() {
        assertLinearizable(new TestHistory()
                .ok(1, put("x", "1"), 0, 10)
                .fail(2, put("x", "2"), 5, 15)
                .read(1, "x", 20, 30, "1"));
    }

    @Test
    void appendsConcurrentWithAReadCanBeSeenPartially() {
        assertLinearizable(new TestHistory()
                .ok(1, append("x", "a"), 0, 100)
                .ok(2, append("x", "b"), 0, 100)
                .read(3, "x", 10, 20, "b")
                .read(3, "x", 30, 40, "ba")
                .read(4, "x", 110, 120, "ba"));
    }

    @Test
    void compareAndSetChain() {
        assertLinearizable(new TestHistory()
                .ok(1, cas("x", null, "1"), 0, 10)
                .ok(2, cas("x", "1", "2"), 20, 50)
                .ok(3, cas("x", "2", "3"), 30, 60)
                .fail(4, cas("x", "1", "9"), 70, 80)
                .read(4, "x", 90, 100, "3"));
    }

    @Test
    void intervalsThatOnlyTouchAreConcurrent() {
        // The read is invoked at the instant the write completes: the recorded times cannot order them.
        assertLinearizable(new TestHistory()
                .ok(1, put("x", "1"), 0, 10)
                .ok(1, put("x", "2"), 20, 30)
                .read(2, "x", 30, 40, "1"));
    }
}
