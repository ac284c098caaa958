package io.keelraft.core;

/** The server is closed or stopped by a fatal error; the message says which. */
public class ShutdownException extends RaftException {

    public ShutdownException(String message) {
        super(message);
    }

    public ShutdownException(String message, Throwable cause) {
        super(message, cause);
    }
}
