package io.keelraft.core;

/** Too many proposals are pending; back off and retry. */
public class OverloadedException extends RaftException {

    public OverloadedException(String message) {
        super(message);
    }
}
