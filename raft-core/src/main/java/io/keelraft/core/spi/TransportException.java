package io.keelraft.core.spi;

/** A peer could not be reached, or did not answer in time. */
public class TransportException extends RuntimeException {

    /** Creates it with a message saying what went wrong. */
    public TransportException(String message) {
        super(message);
    }

    /** Creates it with a message saying what went wrong, and its {@code cause}. */
    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
