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

/** The Redis-style error a client sees for each way a command can fail in Keel. */
final class ErrorReplies {

    private ErrorReplies() {
    }

    static Reply of(Throwable failure) {
        Throwable e = unwrap(failure);
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
        if (e instanceof RaftTimeoutException) {
            return Reply.error("TRYAGAIN timed out, the command may or may not have taken effect: " + e.getMessage());
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
                && !(e instanceof SessionExpiredException);
    }

    static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
