package io.keelraft.core;

import io.keelraft.core.runtime.RaftGroup;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * A client session (thesis §6.3): every command gets a sequence number, the replicated session table
 * remembers each command's result, and a retried command returns that result instead of being applied
 * again. {@link #submit} retries by itself through leader changes and timeouts, so each command takes effect
 * exactly once. Sessions expire after {@link RaftOptions#sessionTimeout()} without a command.
 *
 * <p>Thread-safe; commands may be pipelined.
 */
public final class ClientSession {

    private final RaftNode node;
    private final RaftGroup runtime;
    private final long id;
    private long nextSeq;
    /** Sequence numbers submitted and not yet answered; everything below the lowest was answered. */
    private final TreeSet<Long> outstanding = new TreeSet<>();

    ClientSession(RaftNode node, RaftGroup runtime, long id, long nextSeq) {
        this.node = node;
        this.runtime = runtime;
        this.id = id;
        this.nextSeq = nextSeq;
    }

    /** The session's id (the log index at which it was opened). */
    public long id() {
        return id;
    }

    /** The sequence number the next {@link #submit} will use (keep it to {@link RaftNode#resumeSession} later). */
    public synchronized long nextSequence() {
        return nextSeq;
    }

    /**
     * Submits {@code command} in this session, retrying through leader changes and timeouts. Fails with
     * {@link SessionExpiredException} (the command did not take effect), {@link ShutdownException}, or the last
     * error once retries are exhausted — inside an {@link OutcomeUnknownException} when that error is certain but
     * an earlier try may have taken effect. {@link RaftException#failureMayHaveTakenEffect(Throwable)} on the failure
     * says whether the command may have been applied.
     */
    public CompletableFuture<byte[]> submit(byte[] command) {
        node.checkSize(command, "command");
        long seq;
        synchronized (this) {
            seq = nextSeq++;
            outstanding.add(seq);
        }
        // The same (session, seq) each time: applied at most once whatever happened to earlier tries.
        return Retrying.until(runtime, () -> runtime.submitInSession(id, seq, ackedThrough(), command))
                .whenComplete((result, e) -> answered(seq));
    }

    private synchronized void answered(long seq) {
        outstanding.remove(seq);
    }

    /** The highest sequence number through which every response has been received. */
    private synchronized long ackedThrough() {
        return outstanding.isEmpty() ? nextSeq - 1 : outstanding.first() - 1;
    }
}
