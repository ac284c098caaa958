package io.keelraft.core;

import io.keelraft.core.runtime.NodeRuntime;
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

    private static final int MAX_ATTEMPTS = 20;
    private static final long FIRST_BACKOFF_NANOS = 20_000_000L;

    private final RaftNode node;
    private final NodeRuntime runtime;
    private final long id;
    private long nextSeq = 1;
    /** Sequence numbers submitted and not yet answered; everything below the lowest was answered. */
    private final TreeSet<Long> outstanding = new TreeSet<>();

    ClientSession(RaftNode node, NodeRuntime runtime, long id) {
        this.node = node;
        this.runtime = runtime;
        this.id = id;
    }

    /** The session's id (the log index at which it was opened). */
    public long id() {
        return id;
    }

    /**
     * Submits {@code command} in this session, retrying through leader changes and timeouts. Fails with
     * {@link SessionExpiredException} (the command did not take effect), {@link ShutdownException}, or the last
     * error once retries are exhausted.
     */
    public CompletableFuture<byte[]> submit(byte[] command) {
        node.checkSize(command, "command");
        long seq;
        synchronized (this) {
            seq = nextSeq++;
            outstanding.add(seq);
        }
        CompletableFuture<byte[]> out = new CompletableFuture<>();
        attempt(seq, command, 1, out);
        return out;
    }

    private void attempt(long seq, byte[] command, int attempt, CompletableFuture<byte[]> out) {
        runtime.submitInSession(id, seq, ackedThrough(), command).whenComplete((result, e) -> {
            if (e == null) {
                answered(seq);
                out.complete(result);
            } else if (retryable(e) && attempt < MAX_ATTEMPTS) {
                // The same (session, seq) again: applied at most once whatever happened to the first try.
                long backoff = FIRST_BACKOFF_NANOS << Math.min(attempt - 1, 5);
                runtime.schedule(() -> attempt(seq, command, attempt + 1, out), backoff);
            } else {
                answered(seq);
                out.completeExceptionally(e);
            }
        });
    }

    private static boolean retryable(Throwable e) {
        return !(e instanceof ShutdownException) && !(e instanceof SessionExpiredException)
                && !(e instanceof IllegalArgumentException);
    }

    private synchronized void answered(long seq) {
        outstanding.remove(seq);
    }

    /** The highest sequence number through which every response has been received. */
    private synchronized long ackedThrough() {
        return outstanding.isEmpty() ? nextSeq - 1 : outstanding.first() - 1;
    }
}
