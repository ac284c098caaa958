package io.keelraft.examples.kv;

import io.keelraft.core.NotLeaderException;
import io.keelraft.core.NotMemberException;
import io.keelraft.core.OverloadedException;
import io.keelraft.core.RaftException;
import io.keelraft.core.RaftTimeoutException;
import io.keelraft.core.SessionExpiredException;
import io.keelraft.core.ShutdownException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The Redis-style error a client sees for each way a command can fail in Keel. The code tells the truth about
 * the outcome (see the README's "Error replies"):
 * <ul>
 *   <li>{@code TRYAGAIN}: the command certainly did not take effect, and sending it again may succeed — what
 *       Redis clients (and the Redis Cluster convention) take it to mean, so they retry it;</li>
 *   <li>{@code UNKNOWN}: a write whose outcome is unknown (it may have been applied, now or later): retrying it
 *       blindly may apply it twice;</li>
 *   <li>{@code ERR}: any other failure; said of a write only when it did not take effect either.</li>
 * </ul>
 * Keel's {@link RaftException#failureMayHaveTakenEffect(Throwable)} decides between the first two.
 */
final class ErrorReplies {

    /** The code of a write whose outcome is unknown. */
    static final String UNKNOWN = "UNKNOWN";

    private ErrorReplies() {
    }

    /** The reply to a command that may change state (a write, or a RAFT.* administrative command) that failed. */
    static Reply ofWrite(Throwable failure) {
        Throwable e = unwrap(failure);
        if (e instanceof CommandNotSentException notSent) {
            // Never submitted: certain, whatever the session's failure says about opening the session itself.
            Throwable cause = notSent.getCause();
            return cause instanceof ShutdownException || !RaftException.failureMayHaveTakenEffect(cause)
                    ? certain(cause) : Reply.error("TRYAGAIN the command was not sent: " + notSent.getMessage());
        }
        if (RaftException.failureMayHaveTakenEffect(e)) {
            String why = e instanceof RaftTimeoutException ? "timed out"
                    : e instanceof ShutdownException ? "the server is shutting down" : "outcome unknown";
            return Reply.error(UNKNOWN + " " + why + ", the command may or may not have been applied: "
                    + e.getMessage());
        }
        return certain(e);
    }

    /** The reply to a read that failed: a read changes nothing, so retrying it is always safe. */
    static Reply ofRead(Throwable failure) {
        Throwable e = unwrap(failure);
        if (e instanceof RaftTimeoutException) {
            return Reply.error("TRYAGAIN timed out: " + e.getMessage());
        }
        return certain(e);
    }

    /** A failure of a command that did not take effect (or of a read). */
    private static Reply certain(Throwable e) {
        if (e instanceof NotMemberException) {
            return Reply.error("TRYAGAIN " + e.getMessage());
        }
        if (e instanceof NotLeaderException nl) {
            return nl.leaderId() == null ? Reply.error("TRYAGAIN no leader elected yet")
                    : Reply.error("TRYAGAIN not the leader; the leader is " + nl.leaderId()
                            + (nl.leaderAddress() == null ? "" : " at " + nl.leaderAddress()));
        }
        if (e instanceof OverloadedException) {
            return Reply.error("TRYAGAIN server overloaded: " + e.getMessage());
        }
        if (e instanceof SessionExpiredException) {
            return Reply.error("ERR client session expired, the command did not take effect: " + e.getMessage());
        }
        if (e instanceof ShutdownException) {
            return Reply.error("ERR server is shutting down: " + e.getMessage());
        }
        if (e instanceof RaftException) {
            return Reply.error("TRYAGAIN " + e.getMessage());
        }
        if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
            // bad input, or a request the cluster's state refuses now (e.g. a second membership change)
            return Reply.error("ERR " + e.getMessage());
        }
        return Reply.error("ERR internal error: " + e);
    }

    /** Whether a command that failed so may be sent again safely by the server (a read, or opening a session). */
    static boolean retryable(Throwable failure) {
        Throwable e = unwrap(failure);
        return e instanceof RaftException && !(e instanceof ShutdownException)
                && !(e instanceof SessionExpiredException)
                // No leader known: Keel already waited for one for the whole request timeout before saying so.
                && !(e instanceof NotLeaderException nl && nl.leaderId() == null);
    }

    static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
