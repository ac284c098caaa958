package io.keelraft.core.spi;

/** A peer could not be reached, or did not answer in time. */
public class TransportException extends RuntimeException {

    public TransportException(String message) {
        super(message);
    }

    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
