package io.keelraft.testkit.linearizability;

import java.util.List;

/** What the search of one key's history found. */
record SearchOutcome(Kind kind, long steps, Stuck stuck) {

    enum Kind {
        LINEARIZABLE,
        /** No order works; {@link #stuck} says where the deepest attempt ended. */
        VIOLATION,
        /** The step or time budget ran out first. */
        EXHAUSTED
    }

    /**
     * The longest partial linearization the search built, and the operation it could not place after it.
     *
     * @param linearized operations in linearization order, each with the register value after it
     * @param op         the operation whose return came before any order could fit it in
     * @param value      the register value at that point
     * @param pending    other operations that could still have taken effect there, none of which helped
     */
    record Stuck(List<Violation.Step> linearized, Operation op, String value, List<Operation> pending) {
    }
}
