package io.keelraft.core;

/**
 * An operation was not decided in time. A command that timed out may still be committed later: retry it
 * through a session ({@link RaftNode#openSession()}) so it takes effect exactly once. {@link #mayHaveTakenEffect()}
 * is always true: the timer runs from the call, so the command may be appended (and committed) even after it
 * fired.
 */
public class RaftTimeoutException extends RaftException {

    /** Creates it with a message saying what went wrong. */
    public RaftTimeoutException(String message) {
        super(message, true);
    }
}
