package io.keelraft.testkit.linearizability;

import java.util.List;

/**
 * The checker's answer for a whole history: a verdict, every key with a violation, and every key the budget
 * did not suffice for. A violation is a proof, so it wins over undecided keys.
 *
 * @param verdict         the answer
 * @param violations      one per key whose history is not linearizable, in key order
 * @param undecidedKeys   keys whose search ran out of budget before reaching an answer, in key order
 * @param keys            number of keys in the history
 * @param operations      number of operations in the history
 * @param steps           search steps spent, over all keys
 */
public record CheckResult(Verdict verdict, List<Violation> violations, List<String> undecidedKeys, int keys,
                          int operations, long steps) {

    /** Whether the history is linearizable. */
    public enum Verdict {
        /** Every key's history has a linearization. */
        LINEARIZABLE,
        /** At least one key's history has none; see {@link #violations()}. */
        NOT_LINEARIZABLE,
        /** No violation found, but the budget ran out on some keys; see {@link #undecidedKeys()}. */
        UNKNOWN
    }

    public CheckResult {
        violations = List.copyOf(violations);
        undecidedKeys = List.copyOf(undecidedKeys);
    }

    /** True only when the history was proven linearizable. */
    public boolean isLinearizable() {
        return verdict == Verdict.LINEARIZABLE;
    }

    /** A human-readable summary, with every violation described in full. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        switch (verdict) {
            case LINEARIZABLE -> s.append("linearizable: ");
            case NOT_LINEARIZABLE -> s.append("NOT linearizable: ").append(violations.size())
                    .append(violations.size() == 1 ? " key" : " keys").append(" with a violation, ");
            case UNKNOWN -> s.append("unknown (budget exhausted): no violation found, ");
        }
        s.append(operations).append(" ops on ").append(keys).append(keys == 1 ? " key, " : " keys, ")
                .append(steps).append(" search steps");
        if (!undecidedKeys.isEmpty()) {
            s.append("; budget exhausted on ").append(undecidedKeys.size()).append(" keys: ").append(undecidedKeys);
        }
        s.append('\n');
        for (Violation v : violations) {
            s.append(v.describe());
        }
        return s.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
