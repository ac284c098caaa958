package io.keelraft.core;

/**
 * A peer could not be reached, or did not answer in time. {@link #mayHaveBeenSent()} tells a request that
 * never left this process (no connection, refused before writing) from one the peer may have received and
 * acted on (a timeout, a connection that closed while the answer was awaited): only the first is certain not
 * to have reached the peer, so only there does a forwarded command certainly not take effect.
 */
public class TransportException extends RaftException {

    private final boolean mayHaveBeenSent;

    /** Creates it with a message saying what went wrong; the request may have been sent (the safe assumption). */
    public TransportException(String message) {
        this(message, true);
    }

    /** Creates it with a message and its {@code cause}; the request may have been sent. */
    public TransportException(String message, Throwable cause) {
        this(message, cause, true);
    }

    /** Creates it with a message and whether any of the request may have left this process. */
    public TransportException(String message, boolean mayHaveBeenSent) {
        super(message, mayHaveBeenSent); // a request that never left cannot have taken effect
        this.mayHaveBeenSent = mayHaveBeenSent;
    }

    /** Creates it with a message, its {@code cause} and whether any of the request may have left this process. */
    public TransportException(String message, Throwable cause, boolean mayHaveBeenSent) {
        super(message, cause, mayHaveBeenSent);
        this.mayHaveBeenSent = mayHaveBeenSent;
    }

    /**
     * Creates one for a request that never left this process (no connection to the peer, no such peer, refused
     * before it was written).
     */
    public static TransportException notSent(String message) {
        return new TransportException(message, false);
    }

    /** False only when the request certainly never left this process; true when the peer may have it. */
    public boolean mayHaveBeenSent() {
        return mayHaveBeenSent;
    }
}
