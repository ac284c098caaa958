package io.keelraft.testkit;

import io.keelraft.core.ClientSession;
import io.keelraft.core.RaftNode;
import io.keelraft.core.ReadMode;
import io.keelraft.core.SessionExpiredException;
import io.keelraft.testkit.linearizability.Command;
import io.keelraft.testkit.linearizability.History;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One client of the real-node simulation: it opens a client session (thesis §6.3) on some server and, one
 * operation at a time, writes ({@code PUT}, {@code CAS} through the session, which retries by itself) and
 * reads ({@code GET} by ReadIndex or, with CheckQuorum, the lease), recording every operation in the shared
 * {@link History}. An operation the client stops waiting for is recorded as unknown when it may still take
 * effect; the client then moves to another server with a new session.
 */
final class NodeSimClient {

    private final int number;
    private final EventQueue queue;
    private final SplittableRandom random;
    private final History history;
    private final EventTrace trace;
    private final Supplier<RaftNode> anyLiveNode;
    private final Predicate<RaftNode> live;
    private final List<String> keys;
    private final long timeoutMillis;
    private final boolean leaseReads;
    private final ReadMode forcedReadMode;
    /** The value this client last saw per key: what its CAS commands expect. */
    private final Map<String, String> lastSeen = new HashMap<>();
    private RaftNode node;
    private ClientSession session;
    private long nextValue;
    private boolean stopped;
    private boolean busy;
    private long completed;

    NodeSimClient(int number, EventQueue queue, SplittableRandom random, History history, EventTrace trace,
                  Supplier<RaftNode> anyLiveNode, Predicate<RaftNode> live, List<String> keys, long timeoutMillis, boolean leaseReads,
                  ReadMode forcedReadMode) {
        this.number = number;
        this.queue = queue;
        this.random = random;
        this.history = history;
        this.trace = trace;
        this.anyLiveNode = anyLiveNode;
        this.live = live;
        this.keys = keys;
        this.timeoutMillis = timeoutMillis;
        this.leaseReads = leaseReads;
        this.forcedReadMode = forcedReadMode;
    }

    void start() {
        queue.after(random.nextLong(0, 50), this::next);
    }

    /** No new operations; the one in flight runs to its end. */
    void stop() {
        stopped = true;
    }

    /** True once stopped with nothing in flight. */
    boolean idle() {
        return stopped && !busy;
    }

    long completed() {
        return completed;
    }

    private String name() {
        return "c" + number;
    }

    private void next() {
        if (stopped) {
            return;
        }
        busy = true;
        if (session == null || !live.test(node)) {
            openSession();
            return;
        }
        String key = keys.get(random.nextInt(keys.size()));
        double r = random.nextDouble();
        if (r < 0.35) {
            write(Command.put(key, name() + "." + nextValue++));
        } else if (r < 0.55) {
            write(Command.cas(key, lastSeen.get(key), name() + "." + nextValue++));
        } else {
            read(key);
        }
    }

    private void openSession() {
        node = anyLiveNode.get();
        if (node == null) {
            done(50);
            return;
        }
        RaftNode target = node;
        await(target.openSession(), (s, e) -> {
            if (e == null) {
                session = s;
                trace.record(queue.now(), target.id(), "session opened", name() + " s" + s.id());
                done(0);
            } else {
                session = null;
                done(random.nextLong(10, 100));
            }
        }, () -> {
            session = null;
            done(0);
        });
    }

    private void write(Command command) {
        long op = history.invoke(number, command, queue.now());
        trace.record(queue.now(), node.id(), "client invoke", name() + " " + command);
        await(session.submit(SimKvStateMachine.encode(command)), (result, e) -> {
            if (e == null) {
                String answer = new String(result, StandardCharsets.UTF_8);
                if (command instanceof Command.Cas cas && answer.equals("0")) {
                    history.fail(op, queue.now());
                } else {
                    history.ok(op, queue.now());
                    lastSeen.put(command.key(), command instanceof Command.Put p ? p.value()
                            : ((Command.Cas) command).update());
                }
                trace.record(queue.now(), node.id(), "client ok", name() + " " + command + " -> " + answer);
                done(random.nextLong(0, 30));
            } else if (e instanceof SessionExpiredException) {
                history.fail(op, queue.now());
                session = null;
                done(0);
            } else {
                // Retries ran out: the command may still be applied (once) later.
                history.unknown(op);
                trace.record(queue.now(), node.id(), "client unknown", name() + " " + command + ": " + e);
                session = null;
                done(0);
            }
        }, () -> {
            history.unknown(op);
            trace.record(queue.now(), node.id(), "client gave up", name() + " " + command);
            session = null;
        });
    }

    private void read(String key) {
        Command get = Command.get(key);
        long op = history.invoke(number, get, queue.now());
        ReadMode mode = forcedReadMode != null ? forcedReadMode
                : leaseReads && random.nextInt(4) == 0 ? ReadMode.LEASE : ReadMode.READ_INDEX;
        await(node.query(SimKvStateMachine.encode(get), mode), (result, e) -> {
            if (e == null) {
                String value = SimKvStateMachine.value(result);
                history.ok(op, queue.now(), value);
                lastSeen.put(key, value);
                trace.record(queue.now(), node.id(), "client read", name() + " " + mode + " " + key + " = " + value);
                done(random.nextLong(0, 30));
            } else {
                history.fail(op, queue.now()); // a read that failed changed nothing
                done(random.nextLong(10, 50));
            }
        }, () -> history.fail(op, queue.now()));
    }

    /**
     * Waits for {@code future} at most the client's timeout. On timeout {@code gaveUp} runs, the client drops
     * its session and server, and a late answer is ignored.
     */
    private <T> void await(CompletableFuture<T> future, BiConsumer<T, Throwable> answered, Runnable gaveUp) {
        boolean[] over = {false};
        future.whenComplete((value, e) -> {
            if (!over[0]) {
                over[0] = true;
                completed++;
                answered.accept(value, e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                        ? e.getCause() : e);
            }
        });
        queue.after(timeoutMillis, () -> {
            if (!over[0]) {
                over[0] = true;
                gaveUp.run();
                session = null;
                done(0);
            }
        });
    }

    private void done(long pauseMillis) {
        busy = false;
        queue.after(pauseMillis, this::next);
    }
}
