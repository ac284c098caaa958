package io.keelraft.testkit.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.testkit.linearizability.CheckResult.Verdict;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A history the size of a long simulation run: 10,000 operations on 50 keys, five clients per key, with
 * timeouts and failures. It must check in a few seconds on a loaded CI machine.
 */
class CheckerPerformanceTest {

    private static final RandomExecution.Shape SHAPE = new RandomExecution.Shape(50, 5, 40, 0.05, 0.05);
    private static final long LIMIT_MILLIS = 10_000;

    @Test
    void tenThousandOperationsCheckQuickly() {
        History history = RandomExecution.generate(42, SHAPE);
        assertThat(history.size()).isEqualTo(10_000);
        LinearizabilityChecker checker = new LinearizabilityChecker();
        checker.check(RandomExecution.generate(1, SHAPE)); // warm the JIT, as a simulation's later runs would

        long start = System.nanoTime();
        CheckResult result = checker.check(history);
        long millis = (System.nanoTime() - start) / 1_000_000;

        System.out.printf("10k ops / 50 keys: %s in %d ms%n", result.verdict(), millis);
        assertThat(result.verdict()).as(result.describe()).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(millis).isLessThan(LIMIT_MILLIS);
    }

    @Test
    void tenThousandOperationsWithAViolationCheckQuickly() {
        List<Operation> ops = new ArrayList<>(RandomExecution.generate(43, SHAPE).operations());
        // Corrupt the last successful read of one key: the locator must still pin it down fast.
        for (int i = ops.size() - 1; i >= 0; i--) {
            Operation op = ops.get(i);
            if (op.outcome() == Outcome.OK && op.command().readOnly()) {
                ops.set(i, new Operation(op.id(), op.client(), op.command(), op.invokeTime(), op.completeTime(),
                        op.outcome(), "never-written"));
                break;
            }
        }
        long start = System.nanoTime();
        CheckResult result = new LinearizabilityChecker().check(ops);
        long millis = (System.nanoTime() - start) / 1_000_000;

        System.out.printf("10k ops / 50 keys with one bad read: %s in %d ms, %d steps%n",
                result.verdict(), millis, result.steps());
        assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(millis).isLessThan(LIMIT_MILLIS);
    }
}
