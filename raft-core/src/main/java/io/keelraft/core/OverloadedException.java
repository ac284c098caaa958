package io.keelraft.core;

/** Too many proposals are pending; back off and retry. Refused before being appended: it did not take effect. */
public class OverloadedException extends RaftException {

    /** Creates it with a message saying what went wrong. */
    public OverloadedException(String message) {
        super(message, false);
    }
}
