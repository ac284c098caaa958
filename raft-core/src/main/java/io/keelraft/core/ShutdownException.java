package io.keelraft.core;

/** The server is closed or stopped by a fatal error; the message says which. */
public class ShutdownException extends RaftException {

    /** Creates it with a message saying what went wrong. */
    public ShutdownException(String message) {
        super(message);
    }

    /** Creates it with a message saying what went wrong, and its {@code cause}. */
    public ShutdownException(String message, Throwable cause) {
        super(message, cause);
    }
}
