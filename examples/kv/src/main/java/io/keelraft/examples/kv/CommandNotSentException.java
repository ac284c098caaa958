package io.keelraft.examples.kv;

/**
 * A write that was never submitted to Keel — its connection could not open a client session — so it certainly
 * did not take effect, whatever the cause says about the session (opening one may have timed out).
 */
final class CommandNotSentException extends RuntimeException {

    CommandNotSentException(Throwable cause) {
        super("could not open a client session: " + ErrorReplies.unwrap(cause).getMessage(),
                ErrorReplies.unwrap(cause));
    }
}
