package io.keelraft.core;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Base of Keel's typed failures; each subclass says what the caller can do next.
 *
 * <p>Every failure also says whether the request <em>may have taken effect</em> ({@link #mayHaveTakenEffect()}):
 * false only when Keel knows for certain that it did not — it was refused before it was appended to any server's
 * log (this server is not the leader and did not forward it, too many proposals are pending, the server was
 * closed before accepting it, the session table refused it). True whenever the outcome is unknown: a command
 * that timed out, whose leader lost leadership after appending it, or that was forwarded over a connection that
 * failed after the request may have been sent. Such a command may still be committed and applied later; retry
 * it only in a {@link ClientSession}, which applies it at most once. (A query changes nothing, whatever the
 * flag says.)
 */
public class RaftException extends RuntimeException {

    private final boolean mayHaveTakenEffect;

    /**
     * Creates it with a message saying what went wrong; the request may have taken effect (the safe assumption
     * when nothing says otherwise).
     */
    public RaftException(String message) {
        this(message, true);
    }

    /** Creates it with a message and its {@code cause}; the request may have taken effect. */
    public RaftException(String message, Throwable cause) {
        this(message, cause, true);
    }

    /** Creates it with a message and whether the request may have taken effect. */
    public RaftException(String message, boolean mayHaveTakenEffect) {
        super(message);
        this.mayHaveTakenEffect = mayHaveTakenEffect;
    }

    /** Creates it with a message, its {@code cause} and whether the request may have taken effect. */
    public RaftException(String message, Throwable cause, boolean mayHaveTakenEffect) {
        super(message, cause);
        this.mayHaveTakenEffect = mayHaveTakenEffect;
    }

    /**
     * False only when the request certainly did not take effect, so sending it again cannot apply it twice;
     * true when it may have (its outcome is unknown).
     */
    public boolean mayHaveTakenEffect() {
        return mayHaveTakenEffect;
    }

    /**
     * Whether a request that failed with {@code failure} (as a future of {@link RaftNode} or {@link ClientSession}
     * reports it, possibly wrapped in a {@link CompletionException} or {@link ExecutionException}) may have taken
     * effect: a {@link RaftException}'s own answer; false for {@link IllegalArgumentException} and
     * {@link IllegalStateException}, which Keel uses only for requests it refused before appending them (bad
     * input, a request the cluster's state refuses, a session sequence number reused for another command); true
     * for anything else, whose outcome Keel cannot vouch for.
     */
    public static boolean failureMayHaveTakenEffect(Throwable failure) {
        Throwable e = failure;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof RaftException r) {
            return r.mayHaveTakenEffect();
        }
        return !(e instanceof IllegalArgumentException) && !(e instanceof IllegalStateException);
    }
}
