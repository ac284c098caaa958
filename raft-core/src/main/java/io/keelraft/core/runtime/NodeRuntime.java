package io.keelraft.core.runtime;

import io.keelraft.core.NodeStatus;
import io.keelraft.core.StateMachine;
import io.keelraft.core.protocol.Role;
import io.keelraft.core.spi.LogStore;
import io.keelraft.core.spi.MetaStore;
import io.keelraft.core.spi.RaftScheduler;
import io.keelraft.core.spi.Transport;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * What {@code RaftNode} delegates to: wraps commands in their log envelope, hands results to the user's
 * callback executor, and owns the {@link RaftLoop}.
 *
 * <p>Internal: applications use {@code io.keelraft.core.RaftNode}.
 */
public final class NodeRuntime implements AutoCloseable {

    private final RaftLoop loop;
    private final RaftScheduler scheduler;
    private final Executor callbacks;
    private final io.keelraft.core.metrics.RaftMetrics metrics;
    private final long requestTimeoutNanos;

    public NodeRuntime(RuntimeSettings settings, LogStore logStore, MetaStore metaStore, Transport transport,
                       StateMachine stateMachine, RaftScheduler scheduler, Executor callbackExecutor) {
        this(settings, logStore, metaStore, null, transport, stateMachine, scheduler, callbackExecutor);
    }

    /** A runtime with snapshots kept in {@code snapshots} (null: none). */
    public NodeRuntime(RuntimeSettings settings, LogStore logStore, MetaStore metaStore,
                       io.keelraft.core.spi.SnapshotStore snapshots, Transport transport, StateMachine stateMachine,
                       RaftScheduler scheduler, Executor callbackExecutor) {
        this.loop = new RaftLoop(settings, logStore, metaStore, snapshots, transport, stateMachine, scheduler);
        this.scheduler = scheduler;
        this.callbacks = callbackExecutor;
        this.metrics = settings.metrics();
        this.requestTimeoutNanos = settings.requestTimeoutNanos();
    }

    /** How long a request may take in all, retries included. */
    public long requestTimeoutNanos() {
        return requestTimeoutNanos;
    }

    /** The node's clock. */
    public long nanoTime() {
        return scheduler.nanoTime();
    }

    public void start() {
        loop.start();
    }

    /** Submits a plain command. */
    public CompletableFuture<byte[]> submitPlain(byte[] command) {
        return submitEnvelope(CommandEnvelope.plain(command).encode());
    }

    /** Submits a command of a client session (thesis §6.3). */
    public CompletableFuture<byte[]> submitInSession(long sessionId, long seq, long ackedThrough, byte[] command) {
        return submitEnvelope(CommandEnvelope.session(sessionId, seq, ackedThrough, command).encode());
    }

    /** Registers a new client session through the log; completes with its id. */
    public CompletableFuture<Long> openSession() {
        return submitEnvelope(CommandEnvelope.openSession().encode()).thenApply(r -> ByteBuffer.wrap(r).getLong());
    }

    private CompletableFuture<byte[]> submitEnvelope(byte[] envelope) {
        CompletableFuture<PendingProposals.AppliedResult> applied = new CompletableFuture<>();
        CompletableFuture<byte[]> user = new CompletableFuture<>();
        long started = scheduler.nanoTime();
        applied.whenComplete((r, e) -> deliver(() -> {
            if (e == null) {
                metrics.commandLatency(scheduler.nanoTime() - started);
            }
            // Passed on as they are: each failure already says whether the command may have taken effect (the
            // raft loop's timeouts, refusals and forwards; r.failure() is the session table's refusal, certain).
            if (e != null) {
                user.completeExceptionally(unwrap(e));
            } else if (r.failure() != null) {
                user.completeExceptionally(r.failure());
            } else {
                user.complete(r.result());
            }
        }));
        loop.propose(envelope, applied);
        return user;
    }

    /** A linearizable read. */
    public CompletableFuture<byte[]> query(byte[] query, io.keelraft.core.ReadMode mode) {
        CompletableFuture<byte[]> answered = new CompletableFuture<>();
        CompletableFuture<byte[]> user = new CompletableFuture<>();
        answered.whenComplete((r, e) -> deliver(() -> {
            if (e != null) {
                user.completeExceptionally(unwrap(e));
            } else {
                user.complete(r);
            }
        }));
        loop.query(query, mode, answered);
        return user;
    }

    /** Runs {@code task} after {@code delayNanos} (session retries), on the callback executor. */
    public void schedule(Runnable task, long delayNanos) {
        scheduler.schedule(this::deliver, task, delayNanos);
    }

    private void deliver(Runnable completion) {
        if (callbacks == null) {
            completion.run();
        } else {
            callbacks.execute(completion);
        }
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    /** See {@link RaftLoop#changeMembership}; completes on the callback executor. */
    public CompletableFuture<io.keelraft.core.protocol.ClusterConfiguration> changeMembership(
            java.util.function.UnaryOperator<io.keelraft.core.protocol.ClusterConfiguration> edit) {
        CompletableFuture<io.keelraft.core.protocol.ClusterConfiguration> done = new CompletableFuture<>();
        loop.changeMembership(edit, done);
        return delivered(done);
    }

    /** See {@link RaftLoop#addVoter}; completes on the callback executor. */
    public CompletableFuture<io.keelraft.core.protocol.ClusterConfiguration> addVoter(String server, String address) {
        CompletableFuture<io.keelraft.core.protocol.ClusterConfiguration> done = new CompletableFuture<>();
        loop.addVoter(server, address, done);
        return delivered(done);
    }

    /** See {@link RaftLoop#transferLeadership}; completes on the callback executor. */
    public CompletableFuture<Void> transferLeadership(String target) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.transferLeadership(target, done);
        return delivered(done);
    }

    /** The configuration in force on this server. */
    public CompletableFuture<io.keelraft.core.protocol.ClusterConfiguration> configuration() {
        return delivered(loop.configuration());
    }

    private <T> CompletableFuture<T> delivered(CompletableFuture<T> internal) {
        CompletableFuture<T> user = new CompletableFuture<>();
        internal.whenComplete((v, e) -> deliver(() -> {
            if (e != null) {
                user.completeExceptionally(unwrap(e));
            } else {
                user.complete(v);
            }
        }));
        return user;
    }

    /** Takes a snapshot now; completes (on the callback executor) with what it covers. */
    public CompletableFuture<io.keelraft.core.protocol.SnapshotMeta> snapshot() {
        CompletableFuture<io.keelraft.core.protocol.SnapshotMeta> user = new CompletableFuture<>();
        loop.snapshot().whenComplete((m, e) -> deliver(() -> {
            if (e != null) {
                user.completeExceptionally(unwrap(e));
            } else {
                user.complete(m);
            }
        }));
        return user;
    }


    public CompletableFuture<NodeStatus> status() {
        return loop.status();
    }

    public Role role() {
        return loop.role();
    }

    public long term() {
        return loop.term();
    }

    public String leaderId() {
        return loop.leaderId();
    }

    public long lastApplied() {
        return loop.lastApplied();
    }

    /** The cluster id, or null while unknown. */
    public String clusterId() {
        return loop.clusterId();
    }

    public String id() {
        return loop.id();
    }

    public CompletableFuture<Void> terminated() {
        return loop.terminated();
    }

    public void addLeaderListener(BiConsumer<String, Long> listener) {
        loop.addLeaderListener(listener);
    }

    @Override
    public void close() {
        loop.close();
    }
}
