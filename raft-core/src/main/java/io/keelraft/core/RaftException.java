package io.keelraft.core;

/** Base of Keel's typed failures; each subclass says what the caller can do next. */
public class RaftException extends RuntimeException {

    /** Creates it with a message saying what went wrong. */
    public RaftException(String message) {
        super(message);
    }

    /** Creates it with a message saying what went wrong, and its {@code cause}. */
    public RaftException(String message, Throwable cause) {
        super(message, cause);
    }
}
