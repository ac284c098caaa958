package io.keelraft.core.runtime;

import io.keelraft.core.OutcomeUnknownException;
import io.keelraft.core.OutOfOrderException;
import io.keelraft.core.SessionExpiredException;
import io.keelraft.core.StateMachine;
import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.spi.SnapshotFile;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies committed entries to the user's {@link StateMachine} in log order on the apply thread, completes
 * the proposals they answer, and runs tasks that wait for an index to be applied (linearizable reads wait for
 * their read index, thesis §6.4). The raft loop never runs user code.
 */
final class Applier {

    private static final Logger LOG = LoggerFactory.getLogger(Applier.class);
    private static final byte[] EMPTY = new byte[0];

    private final String serverId;
    private final StateMachine stateMachine;
    private final SessionTable sessions;
    private final Executor applyThread;
    /** The thread running an apply-thread task now, or null: lets completions started here run in place. */
    private volatile Thread running;
    private final BiConsumer<String, Throwable> fatal;
    private final io.keelraft.core.metrics.RaftMetrics metrics;
    private final java.util.function.LongSupplier clock;
    private volatile long lastApplied;
    // Apply-thread confined.
    /** Term of the entry at lastApplied, and the configuration in force there (for a snapshot's metadata). */
    private long lastAppliedTerm;
    private ClusterConfiguration configuration;
    /**
     * The state machine keeps its own durable state through this index ({@link StateMachine#lastAppliedAtStart}):
     * entries up to it are replayed into the session table only.
     */
    private final long sessionsOnlyThrough;
    private final TreeMap<Long, List<Runnable>> waiters = new TreeMap<>();
    private boolean stopped;
    /** Why this applier stopped the server, or null (closed, or running). */
    private io.keelraft.core.ShutdownException stopError;
    /** Told the cluster id the log's first entry names (RaftProtocol.identifyNewCluster); set before start. */
    private java.util.function.Consumer<String> clusterIdListener = id -> { };

    /**
     * @param fatal told (once) when the state machine fails; the server must stop, since a replica that
     *              cannot apply a committed entry would otherwise diverge silently
     */
    Applier(String serverId, StateMachine stateMachine, SessionTable sessions, Executor applyThread, long appliedIndex, long appliedTerm, ClusterConfiguration configuration,
            long sessionsOnlyThrough, BiConsumer<String, Throwable> fatal,
            io.keelraft.core.metrics.RaftMetrics metrics, java.util.function.LongSupplier clock) {
        this.lastAppliedTerm = appliedTerm;
        this.configuration = configuration;
        this.sessionsOnlyThrough = sessionsOnlyThrough;
        this.metrics = metrics;
        this.clock = clock;
        this.serverId = serverId;
        this.stateMachine = stateMachine;
        this.sessions = sessions;
        this.applyThread = applyThread;
        this.lastApplied = appliedIndex;
        this.fatal = fatal;
    }

    /** Who to tell the cluster id the log's first entry names, when it is applied; call before any entry is. */
    void onClusterId(java.util.function.Consumer<String> listener) {
        this.clusterIdListener = listener;
    }

    long lastApplied() {
        return lastApplied;
    }

    /** Runs {@code task} on the apply thread, marked so that {@link #onApplyThread()} knows. */
    void execute(Runnable task) {
        applyThread.execute(() -> {
            Thread previous = running;
            running = Thread.currentThread();
            try {
                task.run();
            } finally {
                running = previous;
            }
        });
    }

    /** True on the apply thread while it runs one of this applier's tasks. */
    boolean onApplyThread() {
        return running == Thread.currentThread();
    }

    /**
     * Queues committed entries for application; {@code proposals} holds, at the position of each entry this server
     * proposed (with its own term), the future its result completes, here on the apply thread (null: none waits).
     */
    void apply(List<LogEntry> committed, CompletableFuture<PendingProposals.AppliedResult>[] proposals,
               Supplier<RuntimeException> stopped) {
        execute(() -> applyAll(committed, proposals, stopped));
    }

    /** Runs {@code task} on the apply thread once every entry through {@code index} is applied. */
    void whenApplied(long index, Runnable task) {
        execute(() -> {
            if (stopped) {
                return;
            }
            if (index <= lastApplied) {
                task.run();
            } else {
                waiters.computeIfAbsent(index, k -> new ArrayList<>()).add(task);
            }
        });
    }

    /** Runs {@code task} on the apply thread after everything queued so far (e.g. user callbacks in order). */
    void runInOrder(Runnable task) {
        execute(() -> {
            if (!stopped) {
                task.run();
            }
        });
    }

    /** Answers a read-only query on the apply thread (between applies). */
    byte[] query(byte[] query) {
        return stateMachine.query(query);
    }

    private void applyAll(List<LogEntry> committed,
                          CompletableFuture<PendingProposals.AppliedResult>[] proposals,
                          Supplier<RuntimeException> whenStopped) {
        long start = clock.getAsLong();
        int count = 0;
        for (int i = 0; i < committed.size(); i++) {
            LogEntry e = committed.get(i);
            if (stopped) {
                break;
            }
            if (e.index() <= lastApplied) {
                continue;
            }
            if (e.index() != lastApplied + 1) {
                stop("entry " + e.index() + " arrived for application after " + lastApplied + ": a gap in the log",
                        null);
                break;
            }
            PendingProposals.AppliedResult outcome;
            try {
                outcome = applyOne(e);
            } catch (RuntimeException | Error failure) {
                stop("the state machine failed to apply entry " + e.index() + " (term " + e.term() + ")", failure);
                break;
            }
            lastApplied = e.index();
            lastAppliedTerm = e.term();
            count++;
            if (proposals != null && proposals[i] != null) {
                proposals[i].complete(outcome);
            }
            runWaiters();
        }
        if (stopped) {
            // Committed, so they take effect in the cluster; this server can no longer say with what result.
            for (int i = 0; proposals != null && i < committed.size(); i++) {
                if (proposals[i] != null && committed.get(i).index() > lastApplied) {
                    proposals[i].completeExceptionally(stopError != null ? stopError : whenStopped.get());
                }
            }
            return;
        }
        metrics.applied(count, clock.getAsLong() - start);
    }

    private PendingProposals.AppliedResult applyOne(LogEntry e) {
        switch (e.type()) {
            case COMMAND:
                break;
            case CONFIGURATION:
                configuration = ClusterConfiguration.decode(e.payload());
                return new PendingProposals.AppliedResult(e.index(), EMPTY, null);
            case NO_OP:
                if (e.index() == 1 && e.payload().length > 0) {
                    clusterIdListener.accept(new String(e.payload(), java.nio.charset.StandardCharsets.UTF_8));
                }
                return new PendingProposals.AppliedResult(e.index(), EMPTY, null);
            default:
                return new PendingProposals.AppliedResult(e.index(), EMPTY, null);
        }
        CommandEnvelope envelope = CommandEnvelope.decode(e.payload());
        sessions.advanceTime(envelope.timeMillis());
        boolean replayOnly = e.index() <= sessionsOnlyThrough;
        switch (envelope.kind()) {
            case OPEN_SESSION:
                sessions.open(e.index());
                return new PendingProposals.AppliedResult(e.index(),
                        ByteBuffer.allocate(8).putLong(e.index()).array(), null);
            case SESSION:
            case ORDERED:
                SessionTable.Outcome o = sessions.apply(envelope.sessionId(), envelope.seq(), envelope.ackedThrough(),
                        envelope.command(), envelope.kind() == CommandEnvelope.Kind.ORDERED,
                        () -> replayOnly ? null : applyToStateMachine(e.index(), envelope.command()));
                if (o instanceof SessionTable.Outcome.Result r) {
                    return new PendingProposals.AppliedResult(e.index(), r.value(), null);
                }
                // Reused and Expired are certain: the session table refused the command as it applied the entry.
                // ResponseGone is not: the command took effect earlier, only its result is lost.
                if (o instanceof SessionTable.Outcome.ResponseGone gone) {
                    return new PendingProposals.AppliedResult(e.index(), null,
                            new OutcomeUnknownException(gone.reason() + "; the command was applied once"));
                }
                if (o instanceof SessionTable.Outcome.OutOfOrder outOfOrder) {
                    return new PendingProposals.AppliedResult(e.index(), null,
                            new OutOfOrderException(outOfOrder.reason()));
                }
                if (o instanceof SessionTable.Outcome.Reused reused) {
                    return new PendingProposals.AppliedResult(e.index(), null,
                            new IllegalStateException(reused.reason()));
                }
                return new PendingProposals.AppliedResult(e.index(), null,
                        new SessionExpiredException(((SessionTable.Outcome.Expired) o).reason()));
            case PLAIN:
            default:
                if (replayOnly) {
                    return new PendingProposals.AppliedResult(e.index(), EMPTY, null);
                }
                return new PendingProposals.AppliedResult(e.index(), applyToStateMachine(e.index(), envelope.command()),
                        null);
        }
    }

    /** A consistent view captured for a snapshot on the apply thread: metadata, session table, state. */
    record Capture(SnapshotMeta meta, byte[] sessions, StateMachine.Snapshot state) {
    }

    /**
     * Captures the state for a snapshot on the apply thread, after every entry queued so far (thesis §5.2:
     * snapshot the applied state, never the log beyond it). {@code done} gets null when nothing was applied
     * beyond {@code after}, or the error when the state machine could not capture.
     */
    void capture(long after, BiConsumer<Capture, Throwable> done) {
        execute(() -> {
            if (stopped) {
                done.accept(null, new IllegalStateException("server " + serverId + " is stopping"));
                return;
            }
            if (lastApplied <= after || lastApplied == 0) {
                done.accept(null, null);
                return;
            }
            try {
                ByteArrayOutputStream table = new ByteArrayOutputStream();
                DataOutputStream out = new DataOutputStream(table);
                sessions.writeTo(out);
                out.flush();
                StateMachine.Snapshot state = stateMachine.snapshot();
                if (state == null) {
                    throw new IllegalStateException("StateMachine.snapshot() returned null");
                }
                done.accept(new Capture(new SnapshotMeta(lastApplied, lastAppliedTerm, configuration),
                        table.toByteArray(), state), null);
            } catch (IOException | RuntimeException e) {
                done.accept(null, e);
            }
        });
    }

    /**
     * Replaces the state machine and the session table with a leader's snapshot, after every entry handed out
     * before (paper Figure 13, InstallSnapshot rule 8: reset the state machine using the snapshot contents). A
     * snapshot that cannot be read stops the server: its state machine is then in no known state.
     */
    void restore(SnapshotFile file) {
        // Opened now, on the caller's thread (the raft loop, right after the snapshot was committed), not when the
        // apply thread gets to it: meanwhile newer snapshots may be committed and retention may delete this one —
        // seen after a partition healed and a burst of queued single-chunk snapshots arrived at once — and the
        // server then stopped on NoSuchFileException. An open file stays readable after its deletion (POSIX).
        InputStream opened;
        Exception openFailure = null;
        try {
            opened = file.open();
        } catch (IOException | RuntimeException e) {
            opened = null;
            openFailure = e;
        }
        InputStream pinned = opened;
        Exception failure = openFailure;
        execute(() -> {
            SnapshotMeta meta = file.meta();
            if (stopped) {
                closeQuietly(pinned);
                return;
            }
            try (InputStream in = pinned) {
                if (failure instanceof IOException io) {
                    throw io;
                } else if (failure != null) {
                    throw (RuntimeException) failure;
                }
                SnapshotEnvelope.restore(in, sessions, stateMachine);
            } catch (IOException | RuntimeException e) {
                stop("could not restore the state machine from the snapshot at index " + meta.index(), e);
                return;
            }
            lastApplied = meta.index();
            lastAppliedTerm = meta.term();
            configuration = meta.configuration();
            runWaiters();
        });
    }

    private static void closeQuietly(InputStream in) {
        if (in == null) {
            return;
        }
        try {
            in.close();
        } catch (IOException e) {
            // nothing was read from it
        }
    }

    private byte[] applyToStateMachine(long index, byte[] command) {
        byte[] result = stateMachine.apply(index, command);
        if (result == null) {
            throw new IllegalStateException("StateMachine.apply returned null for entry " + index
                    + "; return an empty array for no result");
        }
        return result;
    }

    private void runWaiters() {
        while (!waiters.isEmpty() && waiters.firstKey() <= lastApplied) {
            for (Runnable task : waiters.pollFirstEntry().getValue()) {
                try {
                    task.run();
                } catch (RuntimeException failure) {
                    LOG.warn("{}: a task waiting for the apply index failed", serverId, failure);
                }
            }
        }
    }

    private void stop(String why, Throwable cause) {
        stopped = true;
        stopError = RaftGroup.stoppedBy(serverId, why, cause);
        waiters.clear();
        fatal.accept(why, cause);
    }

    /** Stops applying (the server is closing); queued entries are dropped. */
    void close() {
        execute(() -> {
            stopped = true;
            waiters.clear();
        });
    }

}
