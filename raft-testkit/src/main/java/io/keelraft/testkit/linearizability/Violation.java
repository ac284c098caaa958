package io.keelraft.testkit.linearizability;

import java.util.List;
import java.util.Objects;

/**
 * Why one key's history is not linearizable, in terms a developer can hold next to a simulation trace.
 *
 * <p>The checker first finds the earliest completion that makes the key's history non-linearizable: cut
 * the history just after {@link #firstBadCompletion} (operations still running then count as of unknown
 * outcome, later ones are dropped) and no order works, while one completion earlier some order does. It then
 * reports the deepest attempt on that cut history: the longest partial linearization it built and the
 * operation that could not be placed after it.
 *
 * @param key                the key whose history is not linearizable
 * @param firstBadCompletion the operation whose completion makes the history non-linearizable
 * @param linearized         the longest partial linearization found, each operation with the value after it
 * @param stuck              the operation that returned before any order could fit it in
 * @param valueAtStuck       the register value at that point ({@code null}: absent)
 * @param pending            the other operations that could still have taken effect there, none of which helped
 */
public record Violation(String key, Operation firstBadCompletion, List<Step> linearized, Operation stuck,
                        String valueAtStuck, List<Operation> pending) {

    /** How many steps of the partial linearization {@link #describe} prints; earlier ones are elided. */
    static final int SHOWN_STEPS = 12;

    /** One operation of a linearization and the register value right after it took effect. */
    public record Step(Operation op, String valueAfter) {
    }

    public Violation {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(firstBadCompletion, "firstBadCompletion");
        Objects.requireNonNull(stuck, "stuck");
        linearized = List.copyOf(linearized);
        pending = List.copyOf(pending);
    }

    /** A multi-line, human-readable account of the violation. */
    public String describe() {
        long cut = firstBadCompletion.completeTime();
        StringBuilder s = new StringBuilder();
        s.append("key ").append(key).append(": not linearizable\n");
        s.append("  the history of this key becomes non-linearizable at time ").append(cut)
                .append(", when this completes:\n");
        s.append("    ").append(firstBadCompletion).append('\n');
        s.append("  longest linearization found (").append(linearized.size()).append(" ops, value after each):\n");
        int from = Math.max(0, linearized.size() - SHOWN_STEPS);
        if (from > 0) {
            s.append("    ... ").append(from).append(" earlier ops\n");
        }
        if (linearized.isEmpty()) {
            s.append("    (none: the key is ").append(Command.show(null)).append(" before any op)\n");
        }
        for (Step step : linearized.subList(from, linearized.size())) {
            s.append("    ").append(step.op()).append("   => ").append(Command.show(step.valueAfter())).append('\n');
        }
        s.append("  then this op must take effect before it returns, but it does not fit ")
                .append(key).append(" = ").append(Command.show(valueAtStuck)).append(":\n");
        s.append("    ").append(stuck).append('\n');
        if (pending.isEmpty()) {
            s.append("  and no other op was open that could have come first\n");
        } else {
            s.append("  and no order of the ops still open then makes it fit:\n");
            for (Operation op : pending) {
                s.append("    ").append(op);
                if (op.completeTime() > cut && op.outcome() != Outcome.UNKNOWN) {
                    s.append("   (still running at time ").append(cut).append(')');
                }
                s.append('\n');
            }
        }
        return s.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
