package io.keelraft.core;

import io.keelraft.core.runtime.RaftGroup;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A client session (thesis §6.3): every command gets a sequence number, the replicated session table
 * remembers each command's result, and a retried command returns that result instead of being applied
 * again. {@link #submit} retries by itself through leader changes and timeouts, so each command takes effect
 * exactly once.
 *
 * <p>The cluster forgets a session after {@link RaftOptions#sessionTimeout()} without a command (its cached results
 * are memory on every server). A session object the application holds keeps itself alive across such idle periods:
 * a command refused because its session expired — certain: the session table refused it, so it did not take effect
 * — is sent again in a new session, opened once for all the commands that need it. {@link #id()} and
 * {@link #nextSequence()} then name the new session.
 *
 * <p>Thread-safe; commands may be pipelined.
 */
public final class ClientSession {

    private final RaftNode node;
    private final RaftGroup runtime;
    /** The session commands go to now; replaced when it expired. Guarded by {@code this}. */
    private long id;
    private long nextSeq;
    /** Sequence numbers of session {@link #id} submitted and not yet answered; all below the lowest were answered. */
    private final TreeSet<Long> outstanding = new TreeSet<>();
    /** The new session being opened after {@link #id} expired, or null. Guarded by {@code this}. */
    private CompletableFuture<Long> renewal;

    ClientSession(RaftNode node, RaftGroup runtime, long id, long nextSeq) {
        this.node = node;
        this.runtime = runtime;
        this.id = id;
        this.nextSeq = nextSeq;
    }

    /** The session's id (the log index at which it was opened); a new one after the session expired. */
    public synchronized long id() {
        return id;
    }

    /** The sequence number the next {@link #submit} will use (keep it to {@link RaftNode#resumeSession} later). */
    public synchronized long nextSequence() {
        return nextSeq;
    }

    /**
     * Submits {@code command} in this session, retrying through leader changes and timeouts, and in a new session
     * when this one expired. Fails with {@link ShutdownException}, {@link SessionExpiredException} (only when the new
     * session expired too: the command did not take effect), or the last error once retries are exhausted — inside
     * an {@link OutcomeUnknownException} when that error is certain but an earlier try may have taken effect.
     * {@link RaftException#failureMayHaveTakenEffect(Throwable)} on the failure says whether the command may have
     * been applied.
     *
     * @throws IllegalArgumentException when {@code command} is null or larger than
     *                                  {@link RaftOptions#maxCommandBytes()}
     */
    public CompletableFuture<byte[]> submit(byte[] command) {
        node.checkSize(command, "command");
        return submit(command, true);
    }

    private CompletableFuture<byte[]> submit(byte[] command, boolean mayRenew) {
        long session;
        long seq;
        synchronized (this) {
            session = id;
            seq = nextSeq++;
            outstanding.add(seq);
        }
        CompletableFuture<byte[]> out = new CompletableFuture<>();
        // The same (session, seq) each time: applied at most once whatever happened to earlier tries.
        Retrying.until(runtime, () -> runtime.submitInSession(session, seq, ackedThrough(session), command))
                .whenComplete((result, e) -> {
                    answered(session, seq);
                    if (e == null) {
                        out.complete(result);
                    } else if (mayRenew && unwrap(e) instanceof SessionExpiredException) {
                        // Certain, and no earlier try may have taken effect (Retrying would have said the outcome is
                        // unknown): sending it in a new session cannot apply it twice.
                        renewAfter(session).thenCompose(renewed -> submit(command, false)).whenComplete((r, f) -> {
                            if (f == null) {
                                out.complete(r);
                            } else {
                                out.completeExceptionally(unwrap(f));
                            }
                        });
                    } else {
                        out.completeExceptionally(e);
                    }
                });
        return out;
    }

    /** Opens the session that replaces {@code expired}, once however many commands found it expired. */
    private synchronized CompletableFuture<Long> renewAfter(long expired) {
        if (id != expired) {
            return CompletableFuture.completedFuture(id); // renewed already
        }
        if (renewal == null) {
            renewal = Retrying.until(runtime, runtime::openSession).whenComplete((newId, e) -> {
                synchronized (this) {
                    if (e == null) {
                        id = newId;
                        nextSeq = 1;
                        outstanding.clear();
                    }
                    renewal = null;
                }
            });
        }
        return renewal;
    }

    private synchronized void answered(long session, long seq) {
        if (session == id) {
            outstanding.remove(seq);
        }
    }

    /** The highest sequence number through which every response has been received. */
    private synchronized long ackedThrough(long session) {
        if (session != id) {
            return 0; // a straggler of an expired session: claims nothing
        }
        return outstanding.isEmpty() ? nextSeq - 1 : outstanding.first() - 1;
    }

    private static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
