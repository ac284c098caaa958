package io.keelraft.testkit;

import io.keelraft.core.ClientSession;
import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftException;
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
 * {@link History}. A write whose outcome the client does not learn (its server crashed, retries ran out, it timed
 * out) is resent through another server in the same session with the same sequence number, as a real client
 * would: it must take effect once, and the answer must be the first one. Only after several attempts is it
 * recorded as unknown.
 */
final class NodeSimClient {

    private static final int MAX_WRITE_ATTEMPTS = 6;

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
        return stopped && !busy && pending == null;
    }

    long completed() {
        return completed;
    }

    private String name() {
        return "c" + number;
    }

    private void next() {
        if (pending != null) {
            resend();
            return;
        }
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
        await("openSession", target.openSession(), (s, e) -> {
            if (e == null) {
                session = s;
                trace.record(queue.now(), target.id(), "session opened", name() + " s" + s.id());
                done(0);
            } else {
                session = null;
                done(random.nextLong(10, 100));
            }
        }, () -> session = null);
    }

    /** A write whose outcome the client does not know yet: resent in its session until it learns. */
    private record PendingWrite(long op, Command command, long sessionId, long seq, int attempt) {
    }

    private PendingWrite pending;

    private void write(Command command) {
        long op = history.invoke(number, command, queue.now());
        send(new PendingWrite(op, command, session.id(), session.nextSequence(), 1));
    }

    /** Resends the pending write through another server, in the same session with the same sequence number. */
    private void resend() {
        busy = true;
        node = anyLiveNode.get();
        if (node == null) {
            queue.after(50, this::next);
            return;
        }
        session = node.resumeSession(pending.sessionId(), pending.seq());
        send(pending);
    }

    private void send(PendingWrite write) {
        pending = null;
        Command command = write.command();
        trace.record(queue.now(), node.id(), "client invoke", name() + " " + command + " (s" + write.sessionId()
                + " #" + write.seq() + ", attempt " + write.attempt() + ")");
        await("submit", session.submit(SimKvStateMachine.encode(command)), (result, e) -> {
            if (e == null) {
                String answer = new String(result, StandardCharsets.UTF_8);
                if (command instanceof Command.Cas && answer.equals("0")) {
                    history.fail(write.op(), queue.now());
                } else {
                    history.ok(write.op(), queue.now());
                    lastSeen.put(command.key(), command instanceof Command.Put p ? p.value()
                            : ((Command.Cas) command).update());
                }
                trace.record(queue.now(), node.id(), "client ok", name() + " " + command + " -> " + answer);
                done(random.nextLong(0, 30));
            } else if (e instanceof SessionExpiredException
                    || write.attempt() == 1 && !RaftException.failureMayHaveTakenEffect(e)) {
                // Keel says it certainly did not take effect: recorded as failed, so the checker catches a
                // failure that claims so wrongly (its write read back later is not linearizable). Only for a
                // first send: after an unresolved one, this send's certainty says nothing about the earlier.
                history.fail(write.op(), queue.now());
                if (e instanceof SessionExpiredException) {
                    session = null;
                }
                done(0);
            } else {
                unresolved(write, e.toString());
                done(0);
            }
        }, () -> unresolved(write, "timed out"));
    }

    private void unresolved(PendingWrite write, String why) {
        trace.record(queue.now(), node.id(), "client unsure", name() + " " + write.command() + ": " + why);
        session = null;
        if (write.attempt() < MAX_WRITE_ATTEMPTS) {
            pending = new PendingWrite(write.op(), write.command(), write.sessionId(), write.seq(),
                    write.attempt() + 1);
        } else {
            history.unknown(write.op()); // it may still be applied (once) later
        }
    }

    private void read(String key) {
        Command get = Command.get(key);
        long op = history.invoke(number, get, queue.now());
        ReadMode mode = forcedReadMode != null ? forcedReadMode
                : leaseReads && random.nextInt(4) == 0 ? ReadMode.LEASE : ReadMode.READ_INDEX;
        await("query " + mode, node.query(SimKvStateMachine.encode(get), mode), (result, e) -> {
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
     * its session and goes on (so {@code gaveUp} must not), and a late answer is ignored.
     */
    private <T> void await(String kind, CompletableFuture<T> future, BiConsumer<T, Throwable> answered,
                           Runnable gaveUp) {
        boolean[] over = {false};
        future.whenComplete((value, e) -> {
            FutureLanes.completed(kind);
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
