package io.keelraft.testkit.linearizability;

import static io.keelraft.testkit.linearizability.Command.append;
import static io.keelraft.testkit.linearizability.Command.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.keelraft.testkit.linearizability.CheckResult.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Empty and tiny histories, many keys, budgets, and how results read. */
class CheckerEdgeCasesTest {

    @Test
    void emptyHistoryIsLinearizable() {
        CheckResult result = new LinearizabilityChecker().check(new History());
        assertThat(result.verdict()).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(result.keys()).isZero();
        assertThat(result.operations()).isZero();
        assertThat(result.violations()).isEmpty();
        assertThat(result.undecidedKeys()).isEmpty();
    }

    @Test
    void singleOperations() {
        assertThat(new TestHistory().ok(1, put("x", "1"), 0, 1).check().isLinearizable()).isTrue();
        assertThat(new TestHistory().read(1, "x", 0, 1, null).check().isLinearizable()).isTrue();
        assertThat(new TestHistory().unknown(1, append("x", "a"), 0).check().isLinearizable()).isTrue();
        assertThat(new TestHistory().fail(1, put("x", "1"), 0, 1).check().isLinearizable()).isTrue();
        assertThat(new TestHistory().read(1, "x", 0, 1, "1").check().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void operationsStillOpenCountAsUnknown() {
        History history = new History();
        history.invoke(1, put("x", "1"), 0); // never completes
        history.ok(history.invoke(2, Command.get("x"), 50), 60, "1");
        assertThat(history.operations().get(0).outcome()).isEqualTo(Outcome.UNKNOWN);
        assertThat(new LinearizabilityChecker().check(history).isLinearizable()).isTrue();
    }

    @Test
    void onlyTheBadKeyIsReported() {
        TestHistory h = new TestHistory();
        for (int k = 0; k < 40; k++) {
            String key = "key" + k;
            h.ok(k, put(key, "a"), 0, 10).ok(k, put(key, "b"), 20, 30).read(100 + k, key, 40, 50, "b");
        }
        h.read(999, "key17", 60, 70, "a"); // stale
        CheckResult result = h.check();
        assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.keys()).isEqualTo(40);
        assertThat(result.operations()).isEqualTo(121);
        assertThat(result.violations()).extracting(Violation::key).containsExactly("key17");
        assertThat(result.describe()).contains("1 key with a violation").contains("key key17: not linearizable");
    }

    @Test
    void everyBadKeyIsReportedInKeyOrder() {
        TestHistory h = new TestHistory()
                .ok(1, put("b", "1"), 0, 10).read(2, "b", 20, 30, "2")
                .ok(1, put("a", "1"), 0, 10).read(2, "a", 20, 30, "2")
                .ok(1, put("c", "1"), 0, 10).read(2, "c", 20, 30, "1");
        assertThat(h.check().violations()).extracting(Violation::key).containsExactly("a", "b");
    }

    /**
     * Twenty concurrent appends of unknown outcome, all of the same text, and a read that would need
     * twenty-one of them. Every subset of the appends gives a distinct configuration that still looks
     * promising (a prefix of the value read), so the search has a million of them to rule out.
     */
    private static TestHistory explosive(String key) {
        TestHistory h = new TestHistory();
        for (int i = 0; i < 20; i++) {
            h.unknown(i, append(key, "a"), i);
        }
        return h.read(99, key, 100, 110, "a".repeat(21));
    }

    @Test
    void exhaustedBudgetIsReportedAsUnknownNotAsViolation() {
        CheckResult result = new LinearizabilityChecker(SearchBudget.steps(10_000)).check(explosive("x").history());
        assertThat(result.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(result.isLinearizable()).isFalse();
        assertThat(result.violations()).isEmpty();
        assertThat(result.undecidedKeys()).containsExactly("x");
        assertThat(result.describe()).startsWith("unknown (budget exhausted)").contains("[x]");
    }

    @Test
    void timeLimitStopsTheSearch() {
        SearchBudget budget = SearchBudget.steps(Long.MAX_VALUE).withTimeLimit(Duration.ofMillis(200));
        long start = System.nanoTime();
        CheckResult result = new LinearizabilityChecker(budget).check(explosive("x").history());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(result.verdict()).isEqualTo(Verdict.UNKNOWN);
    }

    @Test
    void aProvenViolationWinsOverUndecidedKeys() {
        TestHistory h = explosive("hard").ok(1, put("easy", "1"), 0, 10).read(2, "easy", 20, 30, "0");
        CheckResult result = new LinearizabilityChecker(SearchBudget.steps(10_000)).check(h.history());
        assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.violations()).extracting(Violation::key).containsExactly("easy");
        assertThat(result.undecidedKeys()).containsExactly("hard");
    }

    @Test
    void resultIsDeterministic() {
        History history = RandomExecution.generate(7, new RandomExecution.Shape(5, 4, 20, 0.1, 0.1));
        CheckResult first = new LinearizabilityChecker().check(history);
        CheckResult second = new LinearizabilityChecker().check(history.operations());
        assertThat(second).isEqualTo(first);
    }

    @Test
    void budgetValidatesItsLimits() {
        assertThatIllegalArgumentException().isThrownBy(() -> SearchBudget.steps(0));
        assertThatIllegalArgumentException().isThrownBy(() -> SearchBudget.steps(1).withTimeLimit(Duration.ZERO));
        assertThat(SearchBudget.DEFAULT.timeLimit()).isEmpty();
        Duration second = Duration.ofSeconds(1);
        assertThat(SearchBudget.steps(5).withTimeLimit(second).timeLimit()).contains(second);
    }

    @Test
    void historyOrderDoesNotMatter() {
        List<Operation> ops = new TestHistory()
                .ok(1, put("x", "1"), 0, 10)
                .read(2, "x", 20, 30, "1")
                .ok(1, put("x", "2"), 40, 50)
                .operations();
        List<Operation> reversed = new ArrayList<>(ops);
        Collections.reverse(reversed);
        assertThat(new LinearizabilityChecker().check(reversed).isLinearizable()).isTrue();
    }
}
