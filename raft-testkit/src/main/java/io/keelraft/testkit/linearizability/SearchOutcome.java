package io.keelraft.testkit.linearizability;

import java.util.List;

/** What the search of one key's history found. */
record SearchOutcome(Kind kind, long steps, Stuck stuck) {

    enum Kind {
        LINEARIZABLE,
        /** No order works; {@link #stuck} shows the most telling dead end. */
        VIOLATION,
        /** The step or time budget ran out first. */
        EXHAUSTED
    }

    /**
     * A dead end of the search: a partial linearization and an operation that could not take effect after it.
     *
     * @param linearized operations in linearization order, each with the register value after it
     * @param op         an operation whose result fits neither this value nor any value still reachable
     * @param value      the register value at that point
     * @param pending    other operations still open there, none of which helped
     */
    record Stuck(List<Violation.Step> linearized, Operation op, String value, List<Operation> pending) {
    }
}
