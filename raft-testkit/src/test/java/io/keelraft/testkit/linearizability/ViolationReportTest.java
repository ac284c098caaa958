package io.keelraft.testkit.linearizability;

import static io.keelraft.testkit.linearizability.Command.put;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The violation report names the key, the moment things went wrong and the operations involved, with times. */
class ViolationReportTest {

    @Test
    void newOldInversionReadsWell() {
        CheckResult result = new TestHistory()
                .ok(1, put("x", "old"), 0, 10)
                .ok(2, put("x", "new"), 20, 200)
                .read(3, "x", 30, 40, "new")
                .read(4, "x", 50, 60, "old")
                .ok(5, put("y", "1"), 0, 10)
                .check();
        Violation v = result.violations().get(0);
        String text = result.describe();
        System.out.println(text);

        assertThat(v.key()).isEqualTo("x");
        assertThat(v.firstBadCompletion().toString()).isEqualTo("#3 c4 GET x -> \"old\" [50, 60] OK");
        // Once "new" is written, nothing can bring back "old": the search stops right there.
        assertThat(v.linearized()).extracting(s -> s.op().id()).containsExactly(0L, 1L);
        assertThat(v.linearized()).extracting(Violation.Step::valueAfter).containsExactly("old", "new");
        assertThat(v.stuck().id()).isEqualTo(3L);
        assertThat(v.valueAtStuck()).isEqualTo("new");
        assertThat(text)
                .contains("NOT linearizable: 1 key with a violation, 5 ops on 2 keys")
                .contains("becomes non-linearizable at time 60")
                .contains("#0 c1 PUT x \"old\" [0, 10] OK   => \"old\"")
                .contains("#1 c2 PUT x \"new\" [20, 200] OK (still running at 60)   => \"new\"")
                .contains("with x = \"new\", no order of the remaining ops lets this take effect as observed:\n"
                        + "    #3 c4 GET x -> \"old\" [50, 60] OK");
    }

    @Test
    void pendingOperationsAreListedWithTheirOriginalOutcome() {
        // Once a read saw "2", "1" cannot come back. That is certain at time 60, while PUT 2 is still
        // running (it completes at 500) and PUT 4's outcome is unknown.
        CheckResult result = new TestHistory()
                .ok(1, put("x", "1"), 0, 10)
                .unknown(4, put("x", "4"), 5)
                .ok(2, put("x", "2"), 20, 500)
                .read(3, "x", 30, 40, "2")
                .read(3, "x", 50, 60, "1")
                .check();
        Violation v = result.violations().get(0);
        System.out.println(result.describe());
        assertThat(v.firstBadCompletion().completeTime()).isEqualTo(60);
        assertThat(v.stuck().result()).isEqualTo("1");
        assertThat(v.linearized()).extracting(s -> s.op().id()).containsExactly(0L, 2L);
        assertThat(v.pending()).extracting(Operation::id).containsExactlyInAnyOrder(1L, 3L);
        assertThat(v.describe())
                .contains("#1 c4 PUT x \"4\" [5, inf] UNKNOWN\n")
                .contains("#2 c2 PUT x \"2\" [20, 500] OK (still running at 60)   => \"2\"");
    }

    @Test
    void longLinearizationsAreElided() {
        TestHistory h = new TestHistory();
        for (int i = 0; i < 30; i++) {
            h.ok(1, put("x", "v" + i), i * 10, i * 10 + 4);
            h.read(2, "x", i * 10 + 5, i * 10 + 8, "v" + i);
        }
        h.read(3, "x", 400, 410, "v3");
        Violation v = h.check().violations().get(0);
        int shown = Violation.SHOWN_STEPS;
        assertThat(v.stuck().result()).isEqualTo("v3");
        assertThat(v.linearized().size()).isGreaterThan(shown);
        assertThat(v.describe())
                .contains("... " + (v.linearized().size() - shown) + " earlier ops")
                .doesNotContain("#0 c1 PUT x \"v0\"")
                .contains(v.linearized().get(v.linearized().size() - 1).op().toString());
    }
}
