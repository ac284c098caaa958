package io.keelraft.core;

/**
 * The command was accepted — appended to a leader's log, or sent to the leader — but this server cannot tell
 * whether it was committed: it may or may not take effect, now or later. Examples: the leader lost leadership
 * after appending it and a snapshot replaced its log; a retry of a session command failed after an earlier try
 * of it may have been committed. {@link #mayHaveTakenEffect()} is always true; resend it only in a
 * {@link ClientSession} (same session and sequence number), which applies it at most once.
 */
public class OutcomeUnknownException extends RaftException {

    /** Creates it with a message saying why the outcome is unknown. */
    public OutcomeUnknownException(String message) {
        super(message, true);
    }

    /** Creates it with a message saying why the outcome is unknown, and its {@code cause}. */
    public OutcomeUnknownException(String message, Throwable cause) {
        super(message, cause, true);
    }
}
