package io.keelraft.testkit.linearizability;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Decides whether a history of key-value operations is linearizable: whether there is one order of the
 * operations that (1) respects real time, an operation that completed before another was invoked coming
 * first, and (2) replays on the sequential model (each key a string register, see {@link Command}) giving
 * exactly the results the clients saw.
 *
 * <p>Failed operations are left out. Operations of unknown outcome may take effect at any point after their
 * invocation, or not at all, and their results are not checked. Every operation touches one key, so each key
 * is checked on its own (P-compositionality, Herlihy &amp; Wing 1990), which keeps searches small.
 *
 * <pre>{@code
 * CheckResult result = new LinearizabilityChecker().check(history);
 * if (!result.isLinearizable()) {
 *     throw new AssertionError("seed " + seed + ": " + result.describe());
 * }
 * }</pre>
 *
 * <p>The checker keeps no state between calls.
 */
public final class LinearizabilityChecker {

    private final SearchBudget budget;

    /** A checker with {@link SearchBudget#DEFAULT}. */
    public LinearizabilityChecker() {
        this(SearchBudget.DEFAULT);
    }

    /** A checker that gives up with {@link CheckResult.Verdict#UNKNOWN} once {@code budget} is spent. */
    public LinearizabilityChecker(SearchBudget budget) {
        this.budget = Objects.requireNonNull(budget, "budget");
    }

    /** Checks everything {@code history} has recorded so far; open operations count as of unknown outcome. */
    public CheckResult check(History history) {
        return check(history.operations());
    }

    /** Checks a history given as its operations, in any order. */
    public CheckResult check(Collection<Operation> history) {
        long startNanos = System.nanoTime();
        Map<String, List<Operation>> byKey = new TreeMap<>();
        for (Operation op : history) {
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        List<Violation> violations = new ArrayList<>();
        List<String> undecided = new ArrayList<>();
        long steps = 0;
        for (Map.Entry<String, List<Operation>> entry : byKey.entrySet()) {
            String key = entry.getKey();
            if (budget.expired(startNanos)) {
                undecided.add(key);
                continue;
            }
            SearchOutcome outcome = new KeySearch(new Timeline(entry.getValue()), budget, startNanos).run();
            steps += outcome.steps();
            switch (outcome.kind()) {
                case LINEARIZABLE -> { }
                case EXHAUSTED -> undecided.add(key);
                case VIOLATION -> {
                    ViolationLocator locator = new ViolationLocator(key, entry.getValue(), budget, startNanos);
                    violations.add(locator.locate(outcome));
                    steps += locator.steps();
                }
            }
        }
        CheckResult.Verdict verdict = !violations.isEmpty() ? CheckResult.Verdict.NOT_LINEARIZABLE
                : !undecided.isEmpty() ? CheckResult.Verdict.UNKNOWN : CheckResult.Verdict.LINEARIZABLE;
        return new CheckResult(verdict, violations, undecided, byKey.size(), history.size(), steps);
    }
}
