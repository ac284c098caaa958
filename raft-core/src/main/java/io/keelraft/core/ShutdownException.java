package io.keelraft.core;

/**
 * The server is closed or stopped by a fatal error; the message says which. {@link #mayHaveTakenEffect()} tells
 * a request refused because the server was already stopped (false) from one it had accepted — appended to its
 * log as leader, or forwarded — when it stopped (true: the others may still commit it).
 */
public class ShutdownException extends RaftException {

    /** Creates it with a message saying what went wrong; the request may have taken effect. */
    public ShutdownException(String message) {
        super(message);
    }

    /** Creates it with a message saying what went wrong, and its {@code cause}; it may have taken effect. */
    public ShutdownException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Creates it with a message, its {@code cause} (or null) and whether the request may have taken effect. */
    public ShutdownException(String message, Throwable cause, boolean mayHaveTakenEffect) {
        super(message, cause, mayHaveTakenEffect);
    }
}
