package io.keelraft.faults;

import io.keelraft.testkit.linearizability.History;
import io.keelraft.testkit.linearizability.Outcome;

/**
 * What an error reply to a write says about its outcome, in keel-kv's error vocabulary (examples/kv
 * {@code ErrorReplies}, the README's "Error replies"): {@code TRYAGAIN} and {@code ERR client session expired}
 * mean the write certainly did not take effect ({@link Outcome#FAIL}: the checker leaves it out, so a later read
 * of its value is a violation); {@code UNKNOWN} — and any other error, which the server does not vouch for — means
 * it may or may not have taken effect ({@link Outcome#UNKNOWN}: the checker may place it at any time after its
 * call, or never).
 */
final class WriteErrors {

    static final String TRYAGAIN = "TRYAGAIN";
    static final String UNKNOWN = "UNKNOWN";
    static final String SESSION_EXPIRED = "ERR client session expired";

    private WriteErrors() {
    }

    /** The outcome of a write answered with the error {@code message} (the text after the {@code -}). */
    static Outcome outcomeOf(String message) {
        if (isCode(message, TRYAGAIN) || message.startsWith(SESSION_EXPIRED)) {
            return Outcome.FAIL;
        }
        return Outcome.UNKNOWN; // UNKNOWN, or an error that does not say
    }

    /** Records write {@code op}, answered at {@code now} with the error {@code message}, in {@code history}. */
    static void record(History history, long op, long now, String message) {
        if (outcomeOf(message) == Outcome.FAIL) {
            history.fail(op, now); // certainly not applied: a later read of its value is a violation
        } else {
            history.unknown(op); // may take effect at any time after its call, or never
        }
    }

    private static boolean isCode(String message, String code) {
        return message.equals(code) || message.startsWith(code + " ");
    }
}
