package io.keelraft.core.spi;

/** Storage could not do what was asked; the message names the file and the operation. */
public class StorageException extends RuntimeException {

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
