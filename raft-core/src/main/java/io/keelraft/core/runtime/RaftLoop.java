package io.keelraft.core.runtime;

import io.keelraft.core.NodeStatus;
import io.keelraft.core.NotLeaderException;
import io.keelraft.core.NotMemberException;
import io.keelraft.core.OverloadedException;
import io.keelraft.core.RaftException;
import io.keelraft.core.RaftTimeoutException;
import io.keelraft.core.ReadMode;
import io.keelraft.core.ShutdownException;
import io.keelraft.core.StateMachine;
import io.keelraft.core.metrics.RaftMetrics;
import io.keelraft.core.protocol.ClusterConfiguration;
import io.keelraft.core.protocol.HardState;
import io.keelraft.core.protocol.Message;
import io.keelraft.core.protocol.ProposeResult;
import io.keelraft.core.protocol.RaftProtocol;
import io.keelraft.core.protocol.ReadState;
import io.keelraft.core.protocol.Ready;
import io.keelraft.core.protocol.Role;
import io.keelraft.core.protocol.SnapshotMeta;
import io.keelraft.core.spi.DurabilityListener;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.spi.LogStore;
import io.keelraft.core.spi.MetaStore;
import io.keelraft.core.spi.RaftScheduler;
import io.keelraft.core.spi.ServerIdentity;
import io.keelraft.core.spi.SnapshotFile;
import io.keelraft.core.spi.SnapshotStore;
import io.keelraft.core.spi.StorageException;
import io.keelraft.core.spi.Transport;
import io.keelraft.core.spi.TransportReceiver;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver of one server's {@link RaftProtocol}: the raft loop. One serial executor (the raft-loop thread)
 * owns the protocol; transport threads, the log store's writer and the apply thread reach it only by queueing
 * tasks on it. It never does disk I/O, never runs user code and never blocks: writes are queued to the log
 * store (group commit) and to the term/vote store's own thread, and committed entries go to the
 * {@link Applier}.
 *
 * <p>Internal: applications use {@code io.keelraft.core.RaftNode}.
 */
public final class RaftLoop implements TransportReceiver, DurabilityListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RaftLoop.class);

    private interface ReadWaiter {
        void ready(long readIndex);

        void failed(RuntimeException cause);
    }

    private final RuntimeSettings settings;
    private final String id;
    private final LogStore logStore;
    private final MetaStore metaStore;
    private final MembershipRequests membership = new MembershipRequests();
    private final Transport transport;
    private final RaftScheduler scheduler;
    private final Executor loop;
    private final Executor metaThread;
    private final ClusterIdTracker clusterId;
    private final StorageOutage outage;
    private final RaftProtocol protocol;
    private final PersistQueue persistQueue;
    private final PendingProposals proposals = new PendingProposals();
    private final Applier applier;
    private final List<BiConsumer<String, Long>> leaderListeners = new CopyOnWriteArrayList<>();
    private final StateMachine stateMachine;
    private final RaftMetrics metrics;
    /** Null when snapshots are off (no snapshot store): the log is never compacted. */
    private final SnapshotStore snapshots;
    private final SnapshotTaker snapshotTaker;
    private final SnapshotSender snapshotSender;
    private final SnapshotReceiver snapshotReceiver;
    private final MembershipWatcher members;
    private final ForwardOutcomes forwards;

    // Raft-loop confined.
    /** The newest durable snapshot the protocol knows of: what a leader sends to followers that need it. */
    private SnapshotFile latestSnapshot;
    /** The one before: an InstallSnapshot the protocol queued just before a newer snapshot arrived names it. */
    private SnapshotFile previousSnapshot;
    /** A leader's snapshot received and committed, being stepped into the protocol. */
    private SnapshotFile installing;
    private final Map<Long, ReadWaiter> reads = new HashMap<>();
    private long nextReadId;
    private String announcedLeader;
    private long announcedTerm = -1;
    private RaftScheduler.Cancellable tickTask;

    private volatile boolean closed;
    private volatile ShutdownException failure;
    private volatile Role role = Role.FOLLOWER;
    private volatile long term;
    private volatile String leaderId;

    /** Restores the server from its stores, without snapshots; call {@link #start()} to join the cluster. */
    public RaftLoop(RuntimeSettings settings, LogStore logStore, MetaStore metaStore, Transport transport,
                    StateMachine stateMachine, RaftScheduler scheduler) {
        this(settings, logStore, metaStore, null, transport, stateMachine, scheduler);
    }

    /**
     * Restores the server from its stores (thesis §5.1: the newest snapshot, then the log after it); call
     * {@link #start()} to join the cluster. The state machine is restored here, on the caller's thread, before
     * any of the server's threads runs.
     *
     * @param snapshots the snapshot store, or null to run without snapshots (the log then grows forever)
     * @throws IllegalStateException when the stores do not fit together, or the newest snapshot cannot be read
     */
    public RaftLoop(RuntimeSettings settings, LogStore logStore, MetaStore metaStore, SnapshotStore snapshots,
                    Transport transport, StateMachine stateMachine, RaftScheduler scheduler) {
        this.settings = settings;
        this.id = settings.id();
        this.logStore = logStore;
        this.metaStore = metaStore;
        this.transport = transport;
        this.scheduler = scheduler;
        this.stateMachine = stateMachine;
        this.loop = inlineOnceClosed(scheduler.serialExecutor("raft"));
        this.metaThread = inlineOnceClosed(scheduler.serialExecutor("meta"));
        Executor applyThread = inlineOnceClosed(scheduler.serialExecutor("apply"));
        this.snapshots = snapshots;
        this.metrics = settings.metrics();
        HardState hardState = metaStore.load();
        // Bootstrap exactly once (StoredIdentity): the recorded configuration, not today's member list, is the base.
        ServerIdentity identity = StoredIdentity.establish(metaStore, logStore,
                snapshots != null && snapshots.latest().isPresent(), id, settings.clusterId(), settings.bootstrap());
        SessionTable sessions = new SessionTable(settings.sessionTimeoutMillis());
        long appliedAtStart = stateMachine.lastAppliedAtStart();
        SnapshotFile restored = snapshots == null ? null : snapshots.latest().orElse(null);
        ClusterConfiguration base = identity.bootstrap();
        long appliedIndex = logStore.snapshotIndex();
        long appliedTerm = logStore.snapshotTerm();
        if (restored != null) {
            SnapshotMeta meta = restored.meta();
            if (logStore.snapshotIndex() > meta.index()) {
                throw new IllegalStateException("server " + id + ": the log is compacted through index "
                        + logStore.snapshotIndex() + ", beyond the newest snapshot " + meta);
            }
            if (logStore.snapshotIndex() < meta.index() && !holds(logStore, meta.index(), meta.term())) {
                // The compaction after the snapshot (or the log's entries) did not reach the disk before a crash,
                // or the snapshot came from a leader: the log starts at the snapshot (Figure 13, rule 7).
                logStore.compactTo(meta.index(), meta.term());
            }
            restore(restored, sessions, stateMachine, appliedAtStart);
            base = meta.configuration();
            appliedIndex = meta.index();
            appliedTerm = meta.term();
        } else if (appliedIndex > 0 && appliedAtStart < appliedIndex) {
            throw new IllegalStateException("server " + id + ": the log starts after index " + appliedIndex
                    + " but there is no snapshot to restore the state machine from"
                    + (snapshots == null ? " (no snapshot store was given)" : ""));
        }
        if (settings.forcedConfiguration() != null) {
            hardState = ForcedConfiguration.apply(id, settings.forcedConfiguration(), logStore, metaStore, hardState);
        }
        this.protocol = new RaftProtocol(settings.protocol(), base, hardState, logStore, appliedIndex,
                new SplittableRandom(scheduler.nanoTime() ^ ((long) id.hashCode() << 32)));
        if (restored != null) {
            protocol.snapshotAvailable(restored.meta());
            latestSnapshot = restored;
        }
        this.term = hardState.currentTerm();
        StoredIdentity.checkAddressBook(id, settings.addresses(), protocol.configuration());
        this.members = new MembershipWatcher(id, settings.addresses(), transport);
        this.forwards = new ForwardOutcomes(id, members::addressOf);
        this.persistQueue = new PersistQueue(transport::send);
        this.applier = new Applier(id, stateMachine, sessions, proposals, applyThread, appliedIndex, appliedTerm,
                base, appliedAtStart, this::fatal, metrics, scheduler::nanoTime);
        this.outage = new StorageOutage(id, scheduler::nanoTime);
        this.clusterId = new ClusterIdTracker(identity, metaStore, metaThread, transport, this::fatal);
        applier.onClusterId(clusterId::committed);
        // Should this server lead a new cluster first, the first entry names the cluster: the configured id, or a
        // fresh random one (seeded from this server's clock, so that simulations stay reproducible).
        SplittableRandom idSource = new SplittableRandom(scheduler.nanoTime() * 31 + id.hashCode());
        protocol.identifyNewCluster(identity.clusterId() != null ? identity.clusterId()
                : new java.util.UUID(idSource.nextLong(), idSource.nextLong()).toString());
        if (snapshots == null) {
            snapshotTaker = null;
            snapshotSender = null;
            snapshotReceiver = null;
        } else {
            // One thread for every snapshot read and write: the store is never touched from two threads, and
            // the raft loop and apply thread never wait for a snapshot's disk I/O.
            Executor snapshotThread = droppedOnceClosed(scheduler.serialExecutor("snapshot"));
            // Snapshot-thread confined: the newest snapshot committed to the store, taken or received.
            java.util.concurrent.atomic.AtomicLong newestCommitted = new java.util.concurrent.atomic.AtomicLong(
                    restored == null ? 0 : restored.meta().index());
            SnapshotSettings s = settings.snapshots();
            snapshotTaker = new SnapshotTaker(id, snapshots, applier, loop, snapshotThread, s, metrics,
                    scheduler::nanoTime, restored == null ? null : restored.meta(), appliedIndex, newestCommitted,
                    this::ownSnapshotDurable);
            snapshotSender = new SnapshotSender(id, transport, loop, snapshotThread, s.chunkBytes(), metrics, scheduler,
                    settings.tickNanos(), settings.tickNanos() * settings.protocol().electionTimeoutTicks(),
                    new SnapshotSender.Outcome() {
                        @Override
                        public boolean leads(long t) {
                            return !closed && protocol.role() == Role.LEADER && protocol.currentTerm() == t;
                        }

                        @Override
                        public void progressed(String peer) {
                            protocol.snapshotSendProgressed(peer);
                        }

                        @Override
                        public void failed(String peer) {
                            protocol.snapshotSendFailed(peer);
                            scheduleReady();
                        }

                        @Override
                        public void higherTerm(String peer, long t) {
                            // The follower's answer carries its term, as an AppendEntries rejection would: step it
                            // as one, so the protocol's single rule for a higher term applies (paper §5.1).
                            protocol.snapshotSendFailed(peer);
                            protocol.step(new Message.AppendEntriesResponse(t, peer, id, false, 0, 0, 0, 0, 0));
                            scheduleReady();
                        }
                    });
            snapshotReceiver = new SnapshotReceiver(id, snapshots, snapshotThread, metrics, newestCommitted,
                    (file, chunk, response) -> loop.execute(() -> received(file, chunk, response)));
        }
    }

    private static Executor droppedOnceClosed(Executor e) {
        // Snapshot work left when the server closes is dropped: its waiters are failed by close(), a follower's
        // unanswered chunk times out at the leader, and no disk work runs on whichever thread called.
        return task -> {
            try {
                e.execute(task);
            } catch (RejectedExecutionException closed) {
                // dropped
            }
        };
    }

    private static boolean holds(LogStore log, long index, long term) {
        if (index > log.lastIndex() || index < log.snapshotIndex()) {
            return false;
        }
        try {
            return log.term(index) == term;
        } catch (IndexOutOfBoundsException e) {
            return false;
        }
    }

    /**
     * At start: restores the session table and, unless it kept its own state that far
     * ({@link StateMachine#lastAppliedAtStart()}), the state machine from the newest snapshot.
     */
    private void restore(SnapshotFile file, SessionTable sessions, StateMachine stateMachine, long appliedAtStart) {
        try (InputStream in = file.open()) {
            if (appliedAtStart >= file.meta().index()) {
                SnapshotEnvelope.readSessions(in, sessions);
            } else {
                SnapshotEnvelope.restore(in, sessions, stateMachine);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("server " + id + " could not restore its snapshot " + file.meta(), e);
        }
        LOG.info("{} restored its snapshot through index {} (term {})", id, file.meta().index(), file.meta().term());
    }

    private static Executor inlineOnceClosed(Executor e) {
        // After close() the threads are gone and every task finds `closed` set: run it in place so that it
        // fails its future instead of leaving it pending forever.
        return task -> {
            try {
                e.execute(task);
            } catch (RejectedExecutionException closed) {
                task.run();
            }
        };
    }

    /** Starts ticking and accepting traffic. */
    public void start() {
        logStore.setDurabilityListener(this);
        // Before the transport starts (and before any task runs on the loop): whom to dial and admit, from the
        // bootstrap or restored configuration.
        members.update(protocol.configuration(), protocol.serversToReach());
        transport.start(this);
        loop.execute(this::tick);
    }

    // ------------------------------------------------------------ client operations (any thread)

    /**
     * Proposes an encoded {@link CommandEnvelope}; {@code out} completes once it is applied on this server.
     * On a follower it is forwarded to the leader when forwarding is on.
     */
    void propose(byte[] envelope, CompletableFuture<PendingProposals.AppliedResult> out) {
        withTimeout(out, "command");
        loop.execute(() -> proposeOnLoop(envelope, out, settings.forwardToLeader()));
    }

    /** Runs a linearizable read (ReadIndex, thesis §6.4); {@code out} completes with the query's answer. */
    void query(byte[] query, ReadMode mode, CompletableFuture<byte[]> out) {
        withTimeout(out, "query");
        long started = scheduler.nanoTime();
        out.whenComplete((r, e) -> {
            if (e == null) {
                metrics.readLatency(scheduler.nanoTime() - started);
            }
        });
        loop.execute(() -> {
            if (rejectIfStopped(out)) {
                return;
            }
            LongConsumer serve = readIndex -> applier.whenApplied(readIndex, () -> {
                try {
                    out.complete(applier.query(query));
                } catch (RuntimeException e) {
                    out.completeExceptionally(e);
                }
            });
            switch (mode) {
                case STALE_LOCAL -> serve.accept(0);
                case LEASE -> readIndex(serve, out::completeExceptionally, settings.forwardToLeader(), true);
                default -> readIndex(serve, out::completeExceptionally, settings.forwardToLeader(), false);
            }
        });
    }

    // ------------------------------------------------------------ membership (issue 9; any thread)

    /**
     * Moves the cluster to the configuration {@code edit} makes of the one in force (thesis chapter 4); {@code out}
     * completes with the final configuration once it is committed. Only the leader accepts.
     */
    void changeMembership(UnaryOperator<ClusterConfiguration> edit, CompletableFuture<ClusterConfiguration> out) {
        withTimeout(out, "membership change");
        loop.execute(() -> changeOnLoop(edit, out));
    }

    private void changeOnLoop(UnaryOperator<ClusterConfiguration> edit, CompletableFuture<ClusterConfiguration> out) {
        if (rejectIfStopped(out)) {
            return;
        }
        if (protocol.role() != Role.LEADER) {
            out.completeExceptionally(notLeader());
            return;
        }
        try {
            ProposeResult r = protocol.changeConfiguration(edit.apply(protocol.configuration()));
            if (!r.accepted()) {
                out.completeExceptionally(new NotLeaderException(id, r.leaderHint(),
                        r.leaderHint() == null ? null : settings.addresses().get(r.leaderHint())));
                return;
            }
            membership.change(r.index(), r.term(), out);
        } catch (IllegalArgumentException | IllegalStateException refused) {
            out.completeExceptionally(refused);
            return;
        }
        scheduleReady();
    }

    /**
     * Adds {@code server} as a learner, waits until it has caught up with the leader's commitIndex (within one
     * round of the log, thesis §4.2.1), then promotes it; each phase fails after the request timeout. A server
     * this call added as a learner that never catches up is removed again (the change aborts); one that was a
     * learner before stays one.
     */
    void addVoter(String server, String address, CompletableFuture<ClusterConfiguration> out) {
        loop.execute(() -> {
            if (rejectIfStopped(out)) {
                return;
            }
            ClusterConfiguration c = protocol.configuration();
            if (c.voters().contains(server)) {
                out.completeExceptionally(new IllegalArgumentException("server " + server + " is already a voter"));
                return;
            }
            CompletableFuture<ClusterConfiguration> asLearner = new CompletableFuture<>();
            boolean addedHere = !(c.learners().contains(server) && protocol.configurationCommitted() && !c.isJoint());
            if (!addedHere) {
                asLearner.complete(c);
            } else {
                changeMembership(cfg -> Membership.withLearner(cfg, server, address), asLearner);
            }
            asLearner.thenCompose(ignored -> {
                CompletableFuture<Void> caughtUp = new CompletableFuture<>();
                withTimeout(caughtUp, "catching up " + server + (addedHere
                        ? " (the change is aborted: it is removed again)" : " (it stays a learner, as it was)"));
                loop.execute(() -> {
                    membership.catchUp(server, caughtUp);
                    scheduleReady();
                });
                // A server that never catches up must not linger as a learner this call added (issue 9: the
                // change aborts): take it out again, then report the timeout.
                return addedHere ? caughtUp.exceptionallyCompose(e -> {
                    CompletableFuture<ClusterConfiguration> removed = new CompletableFuture<>();
                    changeMembership(cfg -> Membership.without(cfg, server), removed);
                    return removed.handle((r, e2) -> null).thenCompose(x -> CompletableFuture.failedFuture(e));
                }) : caughtUp;
            }).thenCompose(ignored -> {
                CompletableFuture<ClusterConfiguration> promoted = new CompletableFuture<>();
                changeMembership(cfg -> Membership.promoted(cfg, server), promoted);
                return promoted;
            }).whenComplete((cfg, e) -> {
                if (e != null) {
                    out.completeExceptionally(e instanceof java.util.concurrent.CompletionException
                            && e.getCause() != null ? e.getCause() : e);
                } else {
                    out.complete(cfg);
                }
            });
        });
    }

    /** Hands leadership to {@code target} (thesis §3.10); {@code out} completes once it leads a later term. */
    void transferLeadership(String target, CompletableFuture<Void> out) {
        withTimeout(out, "leadership transfer");
        loop.execute(() -> {
            if (rejectIfStopped(out)) {
                return;
            }
            try {
                if (!protocol.transferLeadership(target)) {
                    out.completeExceptionally(notLeader());
                    return;
                }
            } catch (IllegalArgumentException | IllegalStateException refused) {
                out.completeExceptionally(refused);
                return;
            }
            membership.transfer(target, protocol.currentTerm(), out);
            scheduleReady();
        });
    }

    /** The configuration in force on this server (the latest in its log, committed or not). */
    CompletableFuture<ClusterConfiguration> configuration() {
        CompletableFuture<ClusterConfiguration> out = new CompletableFuture<>();
        loop.execute(() -> {
            if (!rejectIfStopped(out)) {
                out.complete(protocol.configuration());
            }
        });
        return out;
    }

    /** Listeners are told (on the apply thread, in order) of every new leader this server learns of. */
    void addLeaderListener(BiConsumer<String, Long> listener) {
        leaderListeners.add(listener);
    }

    /** A consistent status, read on the raft loop. */
    CompletableFuture<NodeStatus> status() {
        CompletableFuture<NodeStatus> out = new CompletableFuture<>();
        loop.execute(() -> {
            if (rejectIfStopped(out)) {
                return;
            }
            out.complete(new NodeStatus(id, protocol.role(), protocol.currentTerm(),
                protocol.leaderId(), protocol.commitIndex(), applier.lastApplied(), protocol.lastIndex(),
                protocol.matchIndexes(), protocol.configuration(), clusterId.clusterId(), outage.problem()));
        });
        return out;
    }

    Role role() {
        return role;
    }

    long term() {
        return term;
    }

    String leaderId() {
        return leaderId;
    }

    String clusterId() {
        return clusterId.clusterId();
    }

    long lastApplied() {
        return applier.lastApplied();
    }

    String id() {
        return id;
    }

    // ------------------------------------------------------------ inbound (transport and storage threads)

    @Override
    public void onMessage(Message message) {
        metrics.messageReceived();
        loop.execute(() -> {
            if (!closed) {
                protocol.step(message);
                scheduleReady();
            }
        });
    }

    @Override
    public void clusterIdLearned(String learned, String fromPeer) {
        clusterId.learnedFromPeer(learned, fromPeer);
    }

    @Override
    public CompletableFuture<ForwardResponse> onForward(String from, ForwardRequest request) {
        CompletableFuture<ForwardResponse> response = new CompletableFuture<>();
        if (request instanceof ForwardRequest.Submit submit) {
            CompletableFuture<PendingProposals.AppliedResult> out = new CompletableFuture<>();
            withTimeout(out, "forwarded command");
            // Never forward again: a follower that believes we lead must hear the truth, not loop.
            loop.execute(() -> proposeOnLoop(submit.command(), out, false));
            out.whenComplete((r, e) -> response.complete(e != null ? ForwardOutcomes.toLeaderAnswer(e)
                    : r.failure() != null ? ForwardOutcomes.toLeaderAnswer(r.failure())
                    : new ForwardResponse.Applied(r.index(), r.result())));
        } else if (request instanceof ForwardRequest.InstallSnapshotChunk chunk) {
            loop.execute(() -> receiveChunk(from, chunk, response));
        } else if (request instanceof ForwardRequest.ReadIndex) {
            loop.execute(() -> {
                if (closed) {
                    response.complete(ForwardOutcomes.toLeaderAnswer(stopped()));
                    return;
                }
                readIndex(readIndex -> response.complete(new ForwardResponse.ReadIndex(readIndex)),
                        e -> response.complete(ForwardOutcomes.toLeaderAnswer(e)), false, false);
            });
        } else {
            response.complete(new ForwardResponse.Failed(ForwardResponse.Reason.INTERNAL, null,
                    "unknown request " + request.getClass().getSimpleName()));
        }
        return response;
    }

    // ------------------------------------------------------------ snapshots

    /** Raft loop: a leader's snapshot chunk (thesis §5.3). */
    private void receiveChunk(String from, ForwardRequest.InstallSnapshotChunk chunk,
                              CompletableFuture<ForwardResponse> response) {
        if (closed) {
            response.complete(ForwardOutcomes.toLeaderAnswer(stopped()));
            return;
        }
        long current = protocol.currentTerm();
        if (chunk.term() < current) {
            // Paper §5.1: a stale leader learns the current term from the answer and steps down.
            response.complete(new ForwardResponse.SnapshotChunkAccepted(current, chunk.offset()));
            return;
        }
        if (snapshots == null) {
            response.complete(new ForwardResponse.Failed(ForwardResponse.Reason.INTERNAL, null, "server " + id
                    + " has no snapshot store and cannot install a snapshot"));
            return;
        }
        if (!from.equals(chunk.leaderId())) {
            response.complete(new ForwardResponse.Failed(ForwardResponse.Reason.INTERNAL, null, "chunk from " + from
                    + " claims to come from " + chunk.leaderId()));
            return;
        }
        if (chunk.snapshot().index() <= protocol.commitIndex()) {
            // Everything it covers is committed here already: no bytes needed. Stepping it tells the leader so.
            protocol.step(new Message.InstallSnapshot(chunk.term(), from, id, chunk.snapshot()));
            processReady();
            response.complete(new ForwardResponse.SnapshotChunkAccepted(protocol.currentTerm(), chunk.totalBytes()));
            return;
        }
        snapshotReceiver.receive(chunk, current, response);
    }

    /**
     * Raft loop: a leader's snapshot is durable and complete here: only now is its InstallSnapshot stepped into
     * the protocol, which restores from it when it is news (see processReady) and acknowledges it.
     */
    private void received(SnapshotFile file, ForwardRequest.InstallSnapshotChunk last,
                          CompletableFuture<ForwardResponse> response) {
        if (closed) {
            response.complete(ForwardOutcomes.toLeaderAnswer(stopped()));
            return;
        }
        installing = file;
        protocol.step(new Message.InstallSnapshot(last.term(), last.leaderId(), id, file.meta()));
        processReady();
        installing = null;
        if (protocol.commitIndex() >= file.meta().index()) {
            // It holds committed state only (a leader snapshots what it applied): it may be sent on, as ours.
            ownSnapshotKnown(file);
        }
        response.complete(new ForwardResponse.SnapshotChunkAccepted(protocol.currentTerm(), file.size()));
    }

    /** Raft loop: Ready.snapshotToRestore: the log is discarded and the state machine restored from the snapshot. */
    private void restoreFromLeader(SnapshotMeta meta) {
        SnapshotFile file = installing;
        if (file == null || !file.meta().equals(meta)) {
            fatal("the protocol asked to restore " + meta + " but the snapshot being installed is "
                    + (file == null ? "none" : file.meta()), null);
            return;
        }
        // The snapshot is durable (committed before it was stepped), so the log may go: Figure 13 rule 7.
        logStore.compactTo(meta.index(), meta.term());
        persistQueue.entriesDiscarded();
        applier.restore(file);
        ownSnapshotKnown(file);
        snapshotTaker.installed(meta);
        metrics.snapshotInstalled(meta.index(), file.size());
        LOG.info("{} installed the leader's snapshot through index {} (term {})", id, meta.index(), meta.term());
    }

    /** Raft loop: this server's own snapshot is durable: report it, then compact the log behind it. */
    private void ownSnapshotDurable(SnapshotFile file) {
        if (closed) {
            return;
        }
        ownSnapshotKnown(file);
        SnapshotMeta meta = file.meta();
        // Keep a trailing margin so that slightly lagging followers still get entries (thesis §5.1.3).
        long to = Math.min(meta.index() - settings.snapshots().trailingEntries(), logStore.lastIndex());
        if (to > logStore.snapshotIndex()) {
            long t;
            try {
                t = logStore.term(to);
            } catch (IndexOutOfBoundsException e) {
                return;
            }
            logStore.compactTo(to, t);
        }
        processReady();
    }

    private void ownSnapshotKnown(SnapshotFile file) {
        if (latestSnapshot == null || file.meta().index() > latestSnapshot.meta().index()) {
            previousSnapshot = latestSnapshot;
            latestSnapshot = file;
            // Before any compaction past it (RaftProtocol#snapshotAvailable).
            protocol.snapshotAvailable(file.meta());
        }
    }

    /** Takes a snapshot now; see {@code RaftNode#snapshot()}. */
    CompletableFuture<SnapshotMeta> snapshot() {
        CompletableFuture<SnapshotMeta> out = new CompletableFuture<>();
        loop.execute(() -> {
            if (rejectIfStopped(out)) {
                return;
            }
            if (snapshotTaker == null) {
                out.completeExceptionally(new IllegalStateException("server " + id + " has no snapshot store"));
                return;
            }
            snapshotTaker.takeNow().whenComplete((m, e) -> {
                if (e != null) {
                    out.completeExceptionally(e);
                } else {
                    out.complete(m);
                }
            });
        });
        return out;
    }


    @Override
    public void durable(long index, long term) {
        loop.execute(() -> {
            if (!closed) {
                long submitted = persistQueue.entriesDurable(index, term);
                if (submitted >= 0) {
                    metrics.logWriteLatency(scheduler.nanoTime() - submitted);
                }
                outage.writeSucceeded();
                protocol.persisted(index, term);
                processReady();
            }
        });
    }

    @Override
    public void failed(StorageException cause) {
        loop.execute(() -> {
            if (!closed) {
                storageFailed(cause);
            }
        });
    }

    /** Rides a failing log store through (see {@link StorageOutage}, {@code RaftProtocol.storageFailed}). */
    private void storageFailed(StorageException cause) {
        outage.failed(cause);
        persistQueue.entriesDiscarded(); // dropped by the store: never durable, never acknowledged
        protocol.storageFailed();
        scheduleReady();
    }

    // ------------------------------------------------------------ the loop

    private void tick() {
        if (closed) {
            return;
        }
        protocol.tick();
        if (outage.retryDue()) {
            outage.retried();
            protocol.storageRecovered(); // the next Ready appends again; a refusal brings the outage back
        }
        if (snapshotTaker != null) {
            snapshotTaker.tick();
        }
        processReady();
        tickTask = scheduler.schedule(loop, this::tick, settings.tickNanos());
    }

    /** A processReady is queued behind the loop's current tasks; see {@link #scheduleReady()}. */
    private boolean readyScheduled;

    /**
     * Processes the protocol's work after every task already queued on the loop has run, so that a burst of
     * proposals or messages turns into one Ready: one log append, one AppendEntries per follower (batching,
     * thesis §10.2.1) instead of one of each per command.
     */
    private void scheduleReady() {
        if (!readyScheduled) {
            readyScheduled = true;
            loop.execute(() -> {
                readyScheduled = false;
                processReady();
            });
        }
    }

    /** Drains the protocol's work: persist, send, apply, answer reads (see {@link Ready}). */
    private void processReady() {
        while (!closed && protocol.hasReady()) {
            Ready r = protocol.ready();
            if (r.snapshotToRestore() != null) {
                restoreFromLeader(r.snapshotToRestore());
                if (closed) {
                    return;
                }
            }
            if (!r.nothingToPersist() || !r.messagesAfterPersist().isEmpty()) {
                Object handle = persistQueue.add(r.hardState(), r.entriesToAppend(), r.messagesAfterPersist(),
                        scheduler.nanoTime());
                if (!r.entriesToAppend().isEmpty()) {
                    try {
                        logStore.append(r.entriesToAppend());
                    } catch (StorageException e) {
                        storageFailed(e); // the disk still fails: the entries are handed out again later
                    } catch (RuntimeException e) {
                        fatal("the log store refused an append", e);
                        return;
                    }
                }
                if (r.hardState() != null) {
                    HardState hs = r.hardState();
                    metaThread.execute(() -> saveHardState(hs, handle));
                }
            }
            long entryBytes = 0;
            for (Message m : r.messages()) {
                if (m instanceof Message.AppendEntries ae) {
                    for (var e : ae.entries()) {
                        entryBytes += e.sizeInBytes();
                    }
                } else if (m instanceof Message.InstallSnapshot is) {
                    // Metadata only: the bytes go in chunks, streamed from the durable snapshot.
                    if (snapshotSender != null) {
                        snapshotSender.send(is, previousSnapshot != null
                                && previousSnapshot.meta().equals(is.snapshot()) ? previousSnapshot : latestSnapshot);
                    } else {
                        protocol.snapshotSendFailed(is.to());
                    }
                    continue;
                }
                transport.send(m);
            }
            if (!r.messages().isEmpty()) {
                metrics.messagesSent(r.messages().size(), entryBytes);
            }
            if (!r.committedEntries().isEmpty()) {
                applier.apply(r.committedEntries());
                if (snapshotTaker != null) {
                    snapshotTaker.handedToApply(r.committedEntries());
                }
            }
            for (ReadState rs : r.readStates()) {
                ReadWaiter w = reads.remove(rs.requestId());
                if (w != null) {
                    w.ready(rs.readIndex());
                }
            }
            for (long readId : r.abortedReads()) {
                ReadWaiter w = reads.remove(readId);
                if (w != null) {
                    w.failed(notLeader());
                }
            }
        }
        if (!closed) {
            members.update(protocol.configuration(), protocol.serversToReach());
        }
        publishState();
    }

    private void saveHardState(HardState hs, Object handle) {
        try {
            if (!StorageOutage.retryUntilSaved(id, "term " + hs.currentTerm() + " and vote " + hs.votedFor(),
                    () -> metaStore.save(hs), () -> closed)) {
                return;
            }
        } catch (RuntimeException e) {
            fatal("could not save term " + hs.currentTerm() + " and vote " + hs.votedFor(), e);
            return;
        }
        loop.execute(() -> {
            if (!closed) {
                persistQueue.hardStateSaved(handle);
                protocol.hardStatePersisted(hs);
                processReady();
            }
        });
    }

    private void publishState() {
        membership.check(protocol, this::notLeader);
        Role now = protocol.role();
        if (now != role) {
            if (now == Role.LEADER) {
                metrics.becameLeader(protocol.currentTerm());
            } else if (now == Role.CANDIDATE) {
                metrics.electionStarted(protocol.currentTerm());
            }
        }
        if (role == Role.LEADER && now != Role.LEADER && snapshotSender != null) {
            snapshotSender.clear();
        }
        role = now;
        term = protocol.currentTerm();
        String leader = protocol.leaderId();
        leaderId = leader;
        if (leader != null && (!leader.equals(announcedLeader) || term != announcedTerm)) {
            announcedLeader = leader;
            announcedTerm = term;
            long t = term;
            applier.runInOrder(() -> announceLeader(leader, t));
        }
    }

    private void announceLeader(String leader, long t) {
        try {
            stateMachine.onLeaderChange(leader, t);
        } catch (RuntimeException e) {
            LOG.warn("{}: StateMachine.onLeaderChange threw", id, e);
        }
        for (BiConsumer<String, Long> l : leaderListeners) {
            try {
                l.accept(leader, t);
            } catch (RuntimeException e) {
                LOG.warn("{}: a leader listener threw", id, e);
            }
        }
    }

    private void proposeOnLoop(byte[] envelope, CompletableFuture<PendingProposals.AppliedResult> out,
                               boolean mayForward) {
        if (rejectIfStopped(out)) {
            return;
        }
        if (protocol.role() == Role.LEADER) {
            if (proposals.count() >= settings.maxPendingProposals()
                    || proposals.bytes() + envelope.length > settings.maxPendingBytes()) {
                metrics.proposalRejected("overloaded");
                // Certain: refused before protocol.propose, so it is in no log.
                out.completeExceptionally(new OverloadedException("server " + id + " has " + proposals.count()
                        + " proposals (" + proposals.bytes() + " bytes) waiting to be applied; limits are "
                        + settings.maxPendingProposals() + " and " + settings.maxPendingBytes() + " bytes"));
                return;
            }
            ProposeResult r = protocol.propose(CommandEnvelope.stamp(envelope, scheduler.currentTimeMillis()));
            if (!r.accepted()) {
                // Certain: refused while leadership moves to r.leaderHint() (thesis §3.10), never appended.
                metrics.proposalRejected("transferring");
                out.completeExceptionally(new NotLeaderException(id, r.leaderHint(),
                        r.leaderHint() == null ? null : members.addressOf(r.leaderHint())));
                return;
            }
            metrics.proposed();
            proposals.add(r.index(), r.term(), envelope.length, out);
            scheduleReady();
            return;
        }
        String leader = protocol.leaderId();
        if (!isMember()) {
            metrics.proposalRejected("not_member");
            out.completeExceptionally(notMember()); // certain: neither appended nor forwarded
            return;
        }
        if (!mayForward || leader == null) {
            metrics.proposalRejected("not_leader");
            out.completeExceptionally(notLeader()); // certain: neither appended nor forwarded
            return;
        }
        transport.forward(leader, new ForwardRequest.Submit(envelope)).whenComplete((resp, e) -> {
            if (e != null) {
                out.completeExceptionally(forwards.commandNotForwarded(leader, e)); // unknown unless never sent
            } else if (resp instanceof ForwardResponse.Applied applied) {
                // Complete once this server has applied it too, so a read here afterwards sees it.
                applier.whenApplied(applied.index(), () -> out.complete(
                        new PendingProposals.AppliedResult(applied.index(), applied.result(), null)));
            } else {
                out.completeExceptionally(forwards.fromLeader(resp)); // as certain as the leader says
            }
        });
    }

    private void readIndex(LongConsumer ready, Consumer<RuntimeException> failed, boolean mayForward,
                           boolean lease) {
        long readId = ++nextReadId;
        if (lease ? protocol.readWithLease(readId) : protocol.read(readId)) {
            reads.put(readId, new ReadWaiter() {
                @Override
                public void ready(long readIndex) {
                    ready.accept(readIndex);
                }

                @Override
                public void failed(RuntimeException cause) {
                    failed.accept(cause);
                }
            });
            scheduleReady();
            return;
        }
        String leader = protocol.leaderId();
        if (!isMember()) {
            failed.accept(notMember());
            return;
        }
        if (!mayForward || leader == null) {
            failed.accept(notLeader());
            return;
        }
        // Thesis §6.4: a follower asks the leader for a read index, then serves the read locally.
        transport.forward(leader, new ForwardRequest.ReadIndex()).whenComplete((resp, e) -> {
            if (e != null) {
                failed.accept(new RaftException("could not reach leader " + leader + " for a read index: "
                        + e.getMessage(), e));
            } else if (resp instanceof ForwardResponse.ReadIndex ri) {
                ready.accept(ri.readIndex());
            } else {
                failed.accept(forwards.fromLeader(resp));
            }
        });
    }

    // ------------------------------------------------------------ failures and shutdown

    /**
     * False on a server its own configuration leaves out (removed, or waiting to be added): it no longer gets
     * the log, so it could neither apply a forwarded command nor serve a read at a leader's read index.
     */
    private boolean isMember() {
        return protocol.configuration().members().contains(id);
    }

    private NotMemberException notMember() {
        String leader = protocol.leaderId();
        return new NotMemberException(id, leader, leader == null ? null : members.addressOf(leader));
    }

    private NotLeaderException notLeader() {
        String leader = protocol.leaderId();
        return new NotLeaderException(id, leader, leader == null ? null : members.addressOf(leader));
    }

    /**
     * Always of unknown outcome ({@link RaftTimeoutException}): the timer starts before the request reaches the
     * raft loop, so a command may be appended — and committed — after it fired.
     */
    private <T> void withTimeout(CompletableFuture<T> future, String what) {
        RaftScheduler.Cancellable timer = scheduler.schedule(Runnable::run, () -> future.completeExceptionally(
                new RaftTimeoutException(what + " not decided within " + settings.requestTimeoutNanos() / 1_000_000
                        + " ms on server " + id)), settings.requestTimeoutNanos());
        future.whenComplete((r, e) -> timer.cancel());
    }

    /** Refuses a request on a stopped server: certain, nothing was appended or forwarded. */
    private boolean rejectIfStopped(CompletableFuture<?> out) {
        if (closed) {
            out.completeExceptionally(stopped());
            return true;
        }
        return false;
    }

    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    /** For a request refused because this server had stopped before accepting it: it did not take effect. */
    private ShutdownException stopped() {
        ShutdownException f = failure;
        return f != null ? new ShutdownException(f.getMessage(), f.getCause(), false)
                : new ShutdownException("server " + id + " is closed", null, false);
    }

    /**
     * For proposals this server had appended as leader when it stopped: other servers may have them and may
     * still commit them, so their outcome is unknown.
     */
    private ShutdownException stoppedWhilePending() {
        ShutdownException f = failure;
        return f != null ? f : new ShutdownException("server " + id + " closed before the command was decided; it "
                + "may or may not have been applied", null, true);
    }

    /**
     * Stops the server after an error that makes going on unsafe — a disk that failed a write, a state machine
     * that threw: the server can no longer tell what it has stored or applied, so it leaves the cluster rather
     * than guess (the others carry on; restarting it recovers from what is durable). Every pending operation
     * fails with the error, and {@link #terminated()} completes with it.
     */
    private void fatal(String why, Throwable cause) {
        if (failure != null || closed) {
            return;
        }
        // Unknown outcome: it fails proposals this server had appended (requests refused later get stopped()).
        ShutdownException stop = new ShutdownException("server " + id + " stopped: " + why
                + (cause == null ? "" : " (" + cause + ")"), cause, true);
        failure = stop;
        LOG.error("{} stopped: {}", id, why, cause);
        closed = true;
        proposals.failAll(stop);
        loop.execute(this::failWaitingReads);
        terminated.completeExceptionally(stop);
    }

    /** Completes when the server stops: normally after {@link #close()}, exceptionally when it stopped itself. */
    public CompletableFuture<Void> terminated() {
        return terminated;
    }

    /** Raft loop (or, once its thread is gone, the closing thread): fails reads that can no longer finish. */
    private void failWaitingReads() {
        if (tickTask != null) {
            tickTask.cancel();
        }
        persistQueue.abandon();
        if (snapshotTaker != null) {
            snapshotTaker.close(stopped());
        }
        List<ReadWaiter> waiting = new ArrayList<>(reads.values());
        reads.clear();
        waiting.forEach(w -> w.failed(stopped()));
    }

    /** The error that stopped this server, or null. */
    ShutdownException failure() {
        return failure;
    }

    /**
     * Stops the server: fails every pending operation with {@link ShutdownException}, stops every thread it
     * started and closes the transport and the stores.
     */
    @Override
    public void close() {
        boolean wasRunning = !closed;
        closed = true;
        closeQuietly("transport", transport);
        applier.close();
        if (snapshotReceiver != null) {
            snapshotReceiver.close();
        }
        // Stops the threads after they ran what was queued (every queued task sees `closed` and fails fast).
        closeQuietly("scheduler", scheduler);
        failWaitingReads();
        proposals.failAll(stoppedWhilePending());
        closeQuietly("log store", logStore);
        closeQuietly("term/vote store", metaStore);
        if (snapshots != null) {
            closeQuietly("snapshot store", snapshots);
        }
        terminated.complete(null);
        if (wasRunning) {
            LOG.info("{} closed", id);
        }
    }

    private void closeQuietly(String what, AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("{}: closing the {} failed", id, what, e);
        }
    }
}
