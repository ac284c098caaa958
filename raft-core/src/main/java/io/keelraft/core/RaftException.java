package io.keelraft.core;

/** Base of Keel's typed failures; each subclass says what the caller can do next. */
public class RaftException extends RuntimeException {

    public RaftException(String message) {
        super(message);
    }

    public RaftException(String message, Throwable cause) {
        super(message, cause);
    }
}
