package io.keelraft.testkit.linearizability;

/** How an operation ended, as far as its client knows. */
public enum Outcome {
    /** Completed and returned a result: it took effect exactly once, between invocation and completion. */
    OK,
    /** Definitely did not take effect (rejected before it could be applied, or a CAS that did not swap). */
    FAIL,
    /**
     * Timed out, or the client gave up: it may have taken effect at any time after invocation, even after
     * the client stopped waiting, or never. Its result, if any, is unknown.
     */
    UNKNOWN
}
