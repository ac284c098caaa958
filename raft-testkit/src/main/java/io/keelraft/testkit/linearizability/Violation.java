package io.keelraft.testkit.linearizability;

import java.util.List;
import java.util.Objects;

/**
 * Why one key's history is not linearizable, in terms a developer can hold next to a simulation trace.
 *
 * <p>The checker first finds the earliest completion that makes the key's history non-linearizable: cut
 * the history just after {@link #firstBadCompletion} (operations still running then count as of unknown
 * outcome, later ones are dropped) and no order works, while one completion earlier some order does. It then
 * reports a dead end of the search on that cut history (preferring one that blames that operation, then the
 * longest): a partial linearization and an operation that could not take effect after it, either because its
 * result does not fit the value or because no remaining operation could produce the value it observed.
 *
 * @param key                the key whose history is not linearizable
 * @param firstBadCompletion the operation whose completion makes the history non-linearizable
 * @param linearized         a partial linearization, each operation with the register value after it
 * @param stuck              the operation that could not take effect after {@code linearized}
 * @param valueAtStuck       the register value at that point ({@code null}: absent)
 * @param pending            the other operations still open there, none of which helped
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
        s.append("  partial linearization (").append(linearized.size()).append(" ops, value after each):\n");
        int from = Math.max(0, linearized.size() - SHOWN_STEPS);
        if (from > 0) {
            s.append("    ... ").append(from).append(" earlier ops\n");
        }
        if (linearized.isEmpty()) {
            s.append("    (none)\n");
        }
        for (Step step : linearized.subList(from, linearized.size())) {
            line(s, step.op(), cut).append("   => ").append(Command.show(step.valueAfter())).append('\n');
        }
        s.append("  after which, with ").append(key).append(" = ").append(Command.show(valueAtStuck))
                .append(", no order of the remaining ops lets this take effect as observed:\n");
        line(s, stuck, cut).append('\n');
        if (!pending.isEmpty()) {
            s.append("  ops still open then:\n");
            for (Operation op : pending) {
                line(s, op, cut).append('\n');
            }
        }
        return s.toString();
    }

    /** One indented operation, marked when the cut history still saw it running. */
    private static StringBuilder line(StringBuilder s, Operation op, long cut) {
        s.append("    ").append(op);
        if (op.outcome() != Outcome.UNKNOWN && op.completeTime() > cut) {
            s.append(" (still running at ").append(cut).append(')');
        }
        return s;
    }

    @Override
    public String toString() {
        return describe();
    }
}
