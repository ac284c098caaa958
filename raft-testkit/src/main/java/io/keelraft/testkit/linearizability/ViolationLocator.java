package io.keelraft.testkit.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the earliest completion at which a key's history stops being linearizable, so the report points at
 * the moment things went wrong rather than wherever a search over the whole history happened to give up.
 *
 * <p>It relies on linearizability being prefix-closed: cutting a history at a time T (operations still
 * running at T become of unknown outcome, operations invoked after T disappear) keeps a linearizable history
 * linearizable. So "non-linearizable when cut after the k-th completion" is monotonic in k, and a binary
 * search over completions finds the first bad one in log(n) searches.
 */
final class ViolationLocator {

    private final String key;
    private final List<Operation> keyOps;
    private final SearchBudget budget;
    private final long startNanos;
    private long steps;

    ViolationLocator(String key, List<Operation> keyOps, SearchBudget budget, long startNanos) {
        this.key = key;
        this.keyOps = keyOps;
        this.budget = budget;
        this.startNanos = startNanos;
    }

    /** Search steps spent locating, on top of the search that found the violation. */
    long steps() {
        return steps;
    }

    /** Locates the violation that {@code whole}, the search of the key's full history, found. */
    Violation locate(SearchOutcome whole) {
        List<Operation> completions = new ArrayList<>();
        for (Operation op : keyOps) {
            if (op.outcome() == Outcome.OK) {
                completions.add(op);
            }
        }
        completions.sort(Comparator.comparingLong(Operation::completeTime).thenComparingLong(Operation::id));

        // Invariant: the cut after completion `bad` is not linearizable; cuts up to `good` are linearizable or
        // undecided within the budget (then the search moves on: an earlier proof is a bonus, not a must).
        int good = 0;
        int bad = completions.size();
        SearchOutcome badOutcome = null;
        while (good + 1 < bad) {
            int mid = (good + bad) >>> 1;
            SearchOutcome outcome = searchCut(completions, mid);
            if (outcome.kind() == SearchOutcome.Kind.VIOLATION) {
                bad = mid;
                badOutcome = outcome;
            } else {
                good = mid;
            }
        }
        if (badOutcome == null) {
            SearchOutcome outcome = searchCut(completions, bad);
            badOutcome = outcome.kind() == SearchOutcome.Kind.VIOLATION ? outcome : whole;
        }
        return report(completions.get(bad - 1), badOutcome.stuck());
    }

    /** Searches the cut after the {@code count}-th completion, asking the report to blame that completion. */
    private SearchOutcome searchCut(List<Operation> completions, int count) {
        long blame = completions.get(count - 1).id();
        SearchOutcome outcome = new KeySearch(new Timeline(cut(completions, count)), budget, startNanos, blame).run();
        steps += outcome.steps();
        return outcome;
    }

    /** The history as it stood just after the {@code count}-th completion (1-based). */
    private List<Operation> cut(List<Operation> completions, int count) {
        Operation last = completions.get(count - 1);
        Set<Long> completed = new HashSet<>();
        for (int i = 0; i < count; i++) {
            completed.add(completions.get(i).id());
        }
        List<Operation> cut = new ArrayList<>();
        for (Operation op : keyOps) {
            if (completed.contains(op.id())) {
                cut.add(op);
            } else if (op.invokeTime() <= last.completeTime() && op.outcome() != Outcome.FAIL) {
                cut.add(op.asUnknown());
            }
        }
        return cut;
    }

    /** Builds the report from the original operations: the cut history shows some as still running. */
    private Violation report(Operation firstBad, SearchOutcome.Stuck stuck) {
        Map<Long, Operation> original = new HashMap<>();
        for (Operation op : keyOps) {
            original.put(op.id(), op);
        }
        List<Violation.Step> linearized = new ArrayList<>();
        for (Violation.Step step : stuck.linearized()) {
            linearized.add(new Violation.Step(original.get(step.op().id()), step.valueAfter()));
        }
        List<Operation> pending = new ArrayList<>();
        for (Operation op : stuck.pending()) {
            pending.add(original.get(op.id()));
        }
        return new Violation(key, firstBad, linearized, original.get(stuck.op().id()), stuck.value(), pending);
    }
}
