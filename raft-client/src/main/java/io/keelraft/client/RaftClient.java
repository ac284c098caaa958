package io.keelraft.client;

import io.keelraft.core.NotLeaderException;
import io.keelraft.core.OverloadedException;
import io.keelraft.core.RaftException;
import io.keelraft.core.RaftTimeoutException;
import io.keelraft.core.ReadMode;
import io.keelraft.core.ShutdownException;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.transport.netty.wire.direct.ClientWire;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keel's own client: sends commands and queries to a Keel group from another process, over one connection per
 * server (the servers' Raft ports) that carries every request in flight.
 *
 * <pre>{@code
 * try (RaftClient client = RaftClient.builder().servers("10.0.0.1:7001", "10.0.0.2:7001", "10.0.0.3:7001")
 *         .build()) {
 *     byte[] result = client.submit(command).get();
 *     byte[] answer = client.query(query).get();
 * }
 * }</pre>
 *
 * <p><b>Exactly once, in order</b> (thesis §6.3). The client opens a session with the group on its first command;
 * every command carries (session, sequence number), and the group applies each sequence number at most once and
 * only right after the one before it. A command is retried with its sequence number — after a redirect from a
 * follower, a lost connection, a leader change, an overloaded leader — until it is answered or its deadline
 * ({@link RaftClientBuilder#requestTimeout}) passes, and many commands may be in flight at once: the group applies them in
 * the order {@code submit} was called (calls from one thread; from several, in the order they reached the client),
 * each as its own log entry. Queries are linearizable by default ({@link ReadMode#READ_INDEX}).
 *
 * <p><b>Failures</b> are raft-core's: {@link NotLeaderException} never reaches the caller (the client follows the
 * leader), {@link RaftTimeoutException} when the deadline passed ({@link RaftException#mayHaveTakenEffect()} says
 * whether the command may still be applied: true once it was sent), {@link OverloadedException} when more than
 * {@link RaftClientBuilder#maxQueued} requests wait for the window, {@link io.keelraft.core.SessionExpiredException} never
 * (the client opens a new session and sends the command again: an expired session's commands were not applied),
 * {@link ShutdownException} after {@link #close()}. A command whose deadline passed after it was sent is still
 * sent until the group answers it, so that the commands after it keep their order; its answer is dropped.
 *
 * <p><b>Flow control</b>: at most {@link RaftClientBuilder#maxInFlight} requests are on the wire at once; more wait in the
 * client, in order.
 *
 * <p><b>Threads</b>: one I/O thread ({@code keel-client-io-*}) owns every connection and all state; callers' threads
 * only queue requests. Futures complete on the {@link RaftClientBuilder#callbackExecutor} — by default on the I/O thread
 * itself, the fastest path: do not block in a callback then (a blocking {@code get()} on another thread is fine).
 * Thread-safe.
 */
public final class RaftClient implements AutoCloseable {

    static final Logger LOG = LoggerFactory.getLogger(RaftClient.class);
    static final int CLIENT_PROTOCOL_VERSION = 1;
    /** Nothing read on a connection with this much silence: closed and its requests sent elsewhere. */
    static final long LIVENESS_NANOS = TimeUnit.SECONDS.toNanos(3);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final List<String> servers;
    private final long timeoutNanos;
    private final int maxInFlight;
    private final int maxQueued;
    private final Executor callbacks;
    private final MultiThreadIoEventLoopGroup group;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final String name;
    private final int maxFrameBytes;
    private final ConcurrentLinkedQueue<Call> submitted = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private volatile boolean closed;

    // Confined to the I/O thread.
    private final Map<String, ServerConnection> connections = new LinkedHashMap<>();
    private final Map<String, String> addressById = new HashMap<>();
    private final Owner owner = new Owner();
    private ServerConnection leader;
    private int nextServer;
    private long nextCallId;
    private long sessionId;
    private boolean opening;
    private long nextSeq = 1;
    /** The current session's commands not yet answered, by sequence number (orphans included). */
    private final TreeMap<Long, Call> outstanding = new TreeMap<>();
    private final ArrayDeque<Call> waitingForSession = new ArrayDeque<>();
    /**
     * The current session's commands refused as out of order whose predecessor is still unanswered, by sequence
     * number. Each goes out again the moment its predecessor is answered, followed by the run of held commands after
     * it, in order — not on a timer of its own: after a leader change the resent commands can reach the new leader in
     * any order, and with a backoff per command the refused ones would keep arriving out of order, each waiting
     * longer, until the session crawls.
     */
    private final TreeMap<Long, Call> held = new TreeMap<>();
    private final ArrayDeque<Call> waitingForWindow = new ArrayDeque<>();
    /** Every call not yet completed, oldest deadline first (one timeout for all, so arrival order). */
    private final ArrayDeque<Call> byDeadline = new ArrayDeque<>();
    private int inFlight;

    RaftClient(RaftClientBuilder b) {
        this.servers = List.copyOf(b.servers);
        this.timeoutNanos = b.requestTimeout.toNanos();
        this.maxInFlight = b.maxInFlight;
        this.maxQueued = b.maxQueued;
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("keel-client-io", true),
                NioIoHandler.newFactory());
        this.loop = group.next();
        this.callbacks = b.callbackExecutor != null ? b.callbackExecutor : Runnable::run;
        this.bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class);
        this.name = b.name;
        this.maxFrameBytes = b.maxFrameBytes;
        servers.forEach(this::connection);
        long sweep = Math.max(TimeUnit.MILLISECONDS.toNanos(5), Math.min(timeoutNanos / 20,
                TimeUnit.MILLISECONDS.toNanos(50)));
        loop.scheduleAtFixedRate(this::expireDue, sweep, sweep, TimeUnit.NANOSECONDS);
    }

    /** A builder; {@link RaftClientBuilder#servers} is required. */
    public static RaftClientBuilder builder() {
        return new RaftClientBuilder();
    }

    /**
     * Replicates {@code command} exactly once, in order with this client's other commands; completes with the
     * state machine's result once the command is committed and applied on the leader.
     *
     * @throws NullPointerException when {@code command} is null
     */
    public CompletableFuture<byte[]> submit(byte[] command) {
        return enqueue(new Call(Call.Kind.COMMAND, Objects.requireNonNull(command, "command"), null, deadline()));
    }

    /** A linearizable query ({@link ReadMode#READ_INDEX}). */
    public CompletableFuture<byte[]> query(byte[] query) {
        return query(query, ReadMode.READ_INDEX);
    }

    /** A query with the given consistency; see {@link ReadMode}. */
    public CompletableFuture<byte[]> query(byte[] query, ReadMode mode) {
        return enqueue(new Call(Call.Kind.QUERY, Objects.requireNonNull(query, "query"),
                Objects.requireNonNull(mode, "mode"), deadline()));
    }

    /** {@link #submit}, waiting for the result; throws the typed failure itself (a {@link RaftException}). */
    public byte[] submitAndWait(byte[] command) throws InterruptedException {
        return await(submit(command));
    }

    /** {@link #query(byte[])}, waiting for the answer; throws the typed failure itself. */
    public byte[] queryAndWait(byte[] query) throws InterruptedException {
        return await(query(query));
    }

    /** Requests on the wire or waiting for the window right now (a snapshot, for monitoring and tests). */
    public int inFlight() {
        if (loop.inEventLoop()) {
            return inFlight; // from a callback on the I/O thread
        }
        try {
            return loop.submit(() -> inFlight).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } catch (ExecutionException | java.util.concurrent.RejectedExecutionException e) {
            return 0; // closed
        }
    }

    /**
     * Closes every connection and stops the I/O thread; requests not answered yet fail with
     * {@link ShutdownException} (whether they may have taken effect says {@link RaftException#mayHaveTakenEffect()}).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        loop.execute(() -> {
            List<Call> all = new ArrayList<>(byDeadline);
            all.addAll(submitted);
            submitted.clear();
            for (Call c : all) {
                complete(c, null, new ShutdownException("the client was closed before an answer came", null,
                        c.everSent));
            }
            connections.values().forEach(ServerConnection::close);
        });
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    // ------------------------------------------------------------ callers' threads

    private long deadline() {
        return System.nanoTime() + timeoutNanos;
    }

    private CompletableFuture<byte[]> enqueue(Call call) {
        if (closed) {
            call.future.completeExceptionally(new ShutdownException("the client is closed", null, false));
            return call.future;
        }
        submitted.add(call);
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(this::drain);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // close() ran meanwhile and its I/O thread is gone: fail it here (close may have failed it first)
            }
        }
        if (closed && submitted.remove(call)) {
            call.future.completeExceptionally(new ShutdownException("the client is closed", null, false));
        }
        return call.future;
    }

    private static byte[] await(CompletableFuture<byte[]> f) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new RaftException(e.getMessage(), e.getCause());
        }
    }

    // ------------------------------------------------------------ the I/O thread

    private void drain() {
        drainScheduled.set(false);
        Call c;
        while ((c = submitted.poll()) != null) {
            if (closed) {
                complete(c, null, new ShutdownException("the client is closed", null, false));
                continue;
            }
            byDeadline.add(c);
            if (inFlight < maxInFlight) {
                start(c);
            } else if (waitingForWindow.size() < maxQueued) {
                waitingForWindow.add(c);
            } else {
                complete(c, null, new OverloadedException(waitingForWindow.size() + " requests wait for the "
                        + "client's window of " + maxInFlight + "; not sent"));
            }
        }
        flushAll();
    }

    private void start(Call c) {
        inFlight++;
        c.started = true;
        if (c.isCommand()) {
            assignOrWait(c);
        } else {
            send(c);
        }
    }

    private void assignOrWait(Call c) {
        if (sessionId == 0) {
            waitingForSession.add(c);
            openSession();
            return;
        }
        c.sessionId = sessionId;
        c.seq = nextSeq++;
        outstanding.put(c.seq, c);
        send(c);
    }

    private void openSession() {
        if (opening) {
            return;
        }
        opening = true;
        Call open = new Call(Call.Kind.OPEN_SESSION, new byte[0], null, Long.MAX_VALUE);
        send(open);
    }

    private void send(Call c) {
        if (c.isCommand()) {
            c.ackedThroughAtSend = outstanding.isEmpty() ? nextSeq - 1 : outstanding.firstKey() - 1;
            if (c.sessionId != sessionId) {
                c.ackedThroughAtSend = 0; // an abandoned session's straggler: claim nothing
            }
        }
        c.attempts++;
        target().send(c, ++nextCallId);
    }

    private ServerConnection target() {
        if (leader == null) {
            leader = connections.get(servers.get(Math.floorMod(nextServer++, servers.size())));
        }
        return leader;
    }

    private ServerConnection connection(String address) {
        return connections.computeIfAbsent(address, a -> new ServerConnection(a, bootstrap, owner, name,
                maxFrameBytes));
    }

    private void applied(ServerConnection from, Call c, byte[] result) {
        learnAddress(from);
        leader = c.mode == ReadMode.STALE_LOCAL ? leader : from; // it applied or read as leader
        if (c.kind == Call.Kind.OPEN_SESSION) {
            sessionOpened(ByteBuffer.wrap(result).getLong());
        } else {
            complete(c, result, null);
        }
    }

    private void learnAddress(ServerConnection from) {
        if (from.serverId() != null) {
            addressById.put(from.serverId(), from.address);
        }
    }

    private void failed(ServerConnection from, Call c, ClientWire.Failed f) {
        learnAddress(from);
        RaftException failure = Failures.of(from.name(), f);
        c.lastFailure = failure;
        if (c.kind == Call.Kind.OPEN_SESSION && f.reason() != ForwardResponse.Reason.NOT_LEADER) {
            if (leader == from && f.reason() == ForwardResponse.Reason.SHUTDOWN) {
                leader = null;
            }
            LOG.debug("opening a session failed, retrying: {}", failure.getMessage());
            retry(c, backoff(c));
            return;
        }
        switch (f.reason()) {
            case NOT_LEADER -> {
                String hinted = f.leaderAddress() != null ? f.leaderAddress()
                        : f.leaderHint() != null ? addressById.get(f.leaderHint()) : null;
                leader = hinted != null && !hinted.equals(from.address) ? connection(hinted) : null;
                retry(c, hinted != null ? 0 : backoff(c));
            }
            case SHUTDOWN -> {
                if (leader == from) {
                    leader = null;
                }
                retry(c, backoff(c));
            }
            case OVERLOADED, TIMEOUT -> retry(c, backoff(c));
            case OUT_OF_ORDER -> {
                if (c.sessionId != sessionId) {
                    restartInCurrentSession(c); // refused in an abandoned session: certainly not applied
                } else if (outstanding.containsKey(c.seq - 1)) {
                    hold(c); // its predecessor is on its way: sent again right after the predecessor's answer
                } else {
                    retry(c, backoff(c)); // the predecessor was answered meanwhile: the refusal is already stale
                }
            }
            case SESSION_EXPIRED -> {
                if (c.sessionId == sessionId) {
                    abandonSession();
                }
                restartInCurrentSession(c);
            }
            default -> {
                if (c.isCommand() && !f.certainlyNotApplied()) {
                    retry(c, backoff(c)); // same (session, seq): applied at most once
                } else {
                    complete(c, null, failure);
                }
            }
        }
    }

    private void sessionOpened(long id) {
        opening = false;
        sessionId = id;
        nextSeq = 1;
        while (!waitingForSession.isEmpty()) {
            assignOrWait(waitingForSession.poll());
        }
    }

    /** The session can no longer apply the current commands in order: later commands go to a new one. */
    private void abandonSession() {
        sessionId = 0;
        outstanding.clear(); // they keep their session and sequence number; each is restarted when refused
        List<Call> waiting = new ArrayList<>(held.values());
        held.clear();
        for (Call h : waiting) {
            h.held = false;
            retry(h, 0); // refused again as the abandoned session's, then restarted in the next one
        }
    }

    private void hold(Call c) {
        c.held = true;
        int hold = ++c.holds;
        held.put(c.seq, c);
        // The safety net: should the predecessor's answer be slow to come (sent to a server that went away), the
        // command still goes out again after the longest backoff.
        loop.schedule(() -> {
            if (c.held && c.holds == hold) {
                held.remove(c.seq);
                c.held = false;
                retry(c, 0);
                flushAll();
            }
        }, MAX_BACKOFF_NANOS, TimeUnit.NANOSECONDS);
    }

    /** Command {@code seq} of the current session is answered: the held run after it goes out again, in order. */
    private void releaseAfter(long seq) {
        Call next;
        while ((next = held.remove(++seq)) != null) {
            next.held = false;
            retry(next, 0);
        }
    }

    /** A command certainly not applied in its session: send it again in the current one (a new sequence number). */
    private void restartInCurrentSession(Call c) {
        if (c.sessionId == sessionId) {
            outstanding.remove(c.seq);
        }
        if (c.orphaned) {
            finished(c); // not applied, and its caller has its answer already
            return;
        }
        c.sessionId = 0;
        c.seq = 0;
        assignOrWait(c);
    }

    private long backoff(Call c) {
        return Math.min(MAX_BACKOFF_NANOS, TimeUnit.MILLISECONDS.toNanos(1) << Math.min(c.attempts, 10));
    }

    private void retry(Call c, long delayNanos) {
        if (closed || c.done) {
            return;
        }
        if (delayNanos == 0) {
            send(c);
            return;
        }
        loop.schedule(() -> {
            if (!closed && !c.done) {
                send(c);
                flushAll();
            }
        }, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void lost(ServerConnection connection, List<Call> unanswered, String why) {
        if (leader == connection) {
            leader = null;
        }
        if (closed || unanswered.isEmpty()) {
            return;
        }
        LOG.debug("{}; sending its {} requests elsewhere", why, unanswered.size());
        // In sequence order, so that the next server appends them in the order the session applies them.
        unanswered.sort(Comparator.comparingLong((Call c) -> c.sessionId).thenComparingLong(c -> c.seq));
        for (Call c : unanswered) {
            c.lastFailure = new RaftException(why);
            retry(c, backoff(c)); // not at once: with every server down, that would spin
        }
    }

    private void expireDue() {
        long now = System.nanoTime();
        while (!byDeadline.isEmpty()) {
            Call c = byDeadline.peek();
            if (c.done || c.orphaned) {
                byDeadline.poll();
                continue;
            }
            if (now - c.deadlineNanos < 0) {
                break;
            }
            byDeadline.poll();
            expire(c);
        }
        flushAll();
    }

    private void expire(Call c) {
        String why = "no answer within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms"
                + (c.lastFailure != null ? " (last: " + c.lastFailure.getMessage() + ")" : "");
        if (c.isCommand() && c.everSent) {
            // It may be in a log: keep sending it until answered, so that the commands after it keep their order.
            c.orphaned = true;
            callbacks.execute(() -> c.future.completeExceptionally(new RaftTimeoutException(why
                    + "; it may still be applied")));
            return;
        }
        if (c.sentOn != null) {
            c.sentOn.forget(c);
        }
        waitingForWindow.remove(c);
        waitingForSession.remove(c);
        if (c.isCommand() && c.seq != 0 && c.sessionId == sessionId) {
            // Never sent, so never applied: its sequence number is a gap the session cannot pass. Start over.
            abandonSession();
        }
        complete(c, null, c.everSent ? new RaftTimeoutException(why)
                : new RaftException(why + "; it was never sent, so it was not applied", false));
    }

    /** The call is answered: it leaves the window, and its caller hears (unless a timeout told it already). */
    private void complete(Call c, byte[] result, Throwable failure) {
        boolean tell = !c.orphaned && !c.done;
        finished(c);
        if (tell) {
            callbacks.execute(() -> {
                if (failure != null) {
                    c.future.completeExceptionally(failure);
                } else {
                    c.future.complete(result);
                }
            });
        }
    }

    private void finished(Call c) {
        if (c.done) {
            return;
        }
        c.done = true;
        if (c.held) {
            held.remove(c.seq);
            c.held = false;
        }
        if (c.isCommand() && c.sessionId == sessionId && c.seq != 0) {
            outstanding.remove(c.seq);
            if (!held.isEmpty()) {
                releaseAfter(c.seq);
            }
        }
        if (c.started) {
            inFlight--;
            while (!closed && inFlight < maxInFlight && !waitingForWindow.isEmpty()) {
                start(waitingForWindow.poll());
            }
        }
    }

    private void flushAll() {
        connections.values().forEach(ServerConnection::flush);
    }

    private final class Owner implements ServerConnection.Owner {
        @Override
        public void applied(ServerConnection connection, Call call, byte[] result) {
            RaftClient.this.applied(connection, call, result);
        }

        @Override
        public void failed(ServerConnection connection, Call call, ClientWire.Failed failure) {
            RaftClient.this.failed(connection, call, failure);
        }

        @Override
        public void lost(ServerConnection connection, List<Call> unanswered, String why) {
            RaftClient.this.lost(connection, unanswered, why);
        }

        @Override
        public void readComplete() {
            flushAll();
        }
    }
}
