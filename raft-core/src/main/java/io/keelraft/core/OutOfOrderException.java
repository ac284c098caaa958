package io.keelraft.core;

/**
 * A command of an ordered client session (Keel's remote client) reached the log before the session's previous
 * command was applied, so it was refused as it was applied: it did not take effect
 * ({@link #mayHaveTakenEffect()} is false). The client sends it again after its predecessor; applications never
 * see this unless they speak the client protocol themselves.
 */
public class OutOfOrderException extends RaftException {

    /** Creates it with a message naming the session and the sequence numbers. */
    public OutOfOrderException(String message) {
        super(message, false);
    }
}
