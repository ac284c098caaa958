package io.keelraft.core;

/** Storage could not do what was asked; the message names the file and the operation. */
public class StorageException extends RaftException {

    /** Creates it with a message saying what went wrong. */
    public StorageException(String message) {
        super(message);
    }

    /** Creates it with a message saying what went wrong, and its {@code cause}. */
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
