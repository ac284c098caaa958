package io.keelraft.core.runtime;

import io.keelraft.core.NodeStatus;
import io.keelraft.core.NotLeaderException;
import io.keelraft.core.NotMemberException;
import io.keelraft.core.ReadMode;
import io.keelraft.core.ShutdownException;
import io.keelraft.core.StateMachine;
import io.keelraft.core.metrics.RaftMetrics;
import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.EntryFetch;
import io.keelraft.core.protocol.Message;
import io.keelraft.core.protocol.RaftProtocol;
import io.keelraft.core.protocol.ReadState;
import io.keelraft.core.protocol.Ready;
import io.keelraft.core.Role;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.spi.ClientCall;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.spi.LogStore;
import io.keelraft.core.spi.MetaStore;
import io.keelraft.core.spi.RaftScheduler;
import io.keelraft.core.spi.SnapshotStore;
import io.keelraft.core.StorageException;
import io.keelraft.core.spi.Transport;
import io.keelraft.core.spi.TransportReceiver;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Raft group on one server, as an actor: every piece of its mutable state — the {@link RaftProtocol}, pending
 * proposals, waiting reads, membership requests, snapshot bookkeeping — belongs to its raft loop, and every other
 * thread (callers, the transport, the log writer, the apply and snapshot threads, timers) reaches it only by
 * queueing an event on that loop; failing and closing are events too. The loop never does disk I/O, never runs
 * user code and never blocks: writes go to the log store (group commit), committed entries to the {@link Applier},
 * and every user future completes through {@link Callbacks} — on the user's executor or the apply thread, never
 * on the loop.
 *
 * <p>Internal: applications use {@code io.keelraft.core.RaftNode}, a thin view of this class.
 */
public final class RaftGroup implements TransportReceiver, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RaftGroup.class);

    final RuntimeSettings settings;
    final String id;
    final LogStore logStore;
    private final MetaStore metaStore;
    final Transport transport;
    final RaftScheduler scheduler;
    /** The raft loop: the only thread that touches the fields marked loop-confined. */
    final Executor loop;
    /** What a Ready writes and sends, and what the writers report back. */
    private final GroupWrites writes;
    final ClusterIdTracker clusterId;
    final StorageOutage outage;
    final RaftMetrics metrics;
    final RaftProtocol protocol;
    final Applier applier;
    final Callbacks callbacks;
    final MembershipWatcher members;
    final ForwardOutcomes forwards;
    private final SnapshotStore snapshots;
    /** Null when snapshots are off (no snapshot store): the log is never compacted. */
    final SnapshotInstall snapshotInstall;
    final ClientRequests requests;

    /** Shared by the loop (adds) and the threads that make writes durable (release); see PersistQueue. */
    final PersistQueue persistQueue;

    // Loop-confined.
    final PendingProposals proposals = new PendingProposals();
    final MembershipRequests membership = new MembershipRequests();
    private RaftScheduler.Cancellable tickTask;
    /** A processReady is queued behind the loop's current tasks; see {@link #scheduleReady()}. */
    private boolean readyScheduled;
    /** Set on the loop when the group stops (closed, or failed); other threads read it to stop early. */
    private volatile boolean closed;
    private volatile ShutdownException failure;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    /** Role, term and leader for lock-free observers, published by the loop after every batch. */
    private final PublishedState published;

    /**
     * Restores the group from its stores (see {@link GroupRestore}) on the caller's thread, before any of its
     * threads runs; call {@link #start()} to join the cluster.
     *
     * @param snapshots        the snapshot store, or null to run without snapshots (the log then grows forever)
     * @param callbackExecutor where user futures complete, or null for the apply thread
     * @throws IllegalStateException when the stores do not fit together, or the newest snapshot cannot be read
     */
    public RaftGroup(RuntimeSettings settings, LogStore logStore, MetaStore metaStore, SnapshotStore snapshots,
                     Transport transport, StateMachine stateMachine, RaftScheduler scheduler,
                     Executor callbackExecutor) {
        this.settings = settings;
        this.id = settings.id();
        this.logStore = logStore;
        this.metaStore = metaStore;
        this.snapshots = snapshots;
        this.transport = transport;
        this.scheduler = scheduler;
        this.metrics = settings.metrics();
        this.loop = GroupExecutors.inlineOnceClosed(scheduler.serialExecutor("raft"));
        Executor applyThread = GroupExecutors.inlineOnceClosed(scheduler.serialExecutor("apply"));
        GroupRestore restored = GroupRestore.from(settings, logStore, metaStore, snapshots, stateMachine);
        this.protocol = new RaftProtocol(id, settings.options(), restored.base(), restored.hardState(), logStore,
                restored.appliedIndex(), new SplittableRandom(scheduler.nanoTime() ^ ((long) id.hashCode() << 32)));
        StoredIdentity.checkAddressBook(id, settings.addresses(), protocol.configuration());
        this.members = new MembershipWatcher(id, settings.addresses(), transport);
        this.forwards = new ForwardOutcomes(id, members::addressOf);
        this.persistQueue = new PersistQueue(transport::send);
        this.applier = new Applier(id, stateMachine, restored.sessions(), applyThread, restored.appliedIndex(),
                restored.appliedTerm(), restored.base(), restored.appliedAtStart(), this::fatal, metrics,
                scheduler::nanoTime);
        this.published = new PublishedState(id, metrics, applier, protocol.currentTerm());
        this.callbacks = new Callbacks(callbackExecutor, applier::execute, applier::onApplyThread);
        this.outage = new StorageOutage(id, scheduler::nanoTime);
        this.clusterId = new ClusterIdTracker(restored.identity(), metaStore, this::runInWriter, transport, this::fatal);
        applier.onClusterId(clusterId::committed);
        // Should this server lead a new cluster first, the first entry names the cluster: the configured id, or a
        // fresh random one (seeded from this server's clock, so that simulations stay reproducible).
        SplittableRandom idSource = new SplittableRandom(scheduler.nanoTime() * 31 + id.hashCode());
        protocol.identifyNewCluster(restored.identity().clusterId() != null ? restored.identity().clusterId()
                : new UUID(idSource.nextLong(), idSource.nextLong()).toString());
        this.snapshotInstall = snapshots == null ? null : new SnapshotInstall(this, snapshots, restored);
        this.requests = new ClientRequests(this);
        this.writes = new GroupWrites(this, metaStore,
                GroupExecutors.droppedOnceClosed(scheduler.serialExecutor("reader")));
    }

    /** Any thread: runs {@code task} on the log writer, in order with the writes; dropped once the log has closed. */
    private void runInWriter(Runnable task) {
        try {
            logStore.runInWriter(task);
        } catch (StorageException closedLog) {
            // Closed: the only task besides term/vote (which go through GroupWrites) is recording the cluster id,
            // which is learned again at the next start.
            LOG.debug("{}: log closed, task dropped: {}", id, closedLog.toString());
        }
    }


    /** Starts ticking and accepting traffic. */
    public void start() {
        logStore.setDurabilityListener(writes);
        // Before the transport starts (and before any task runs on the loop): whom to dial and admit, from the
        // bootstrap or restored configuration.
        members.update(protocol.configuration(), protocol.serversToReach());
        try {
            transport.start(this);
        } catch (RuntimeException e) {
            // A port in use, say: release the storage, threads and directory lock, so that a retry in this
            // process (on another port) can open the same data directory.
            close();
            throw e;
        }
        loop.execute(this::tick);
    }

    // ------------------------------------------------------------ the API (any thread)

    /** Submits a plain command; completes with its result once it is applied here. */
    public CompletableFuture<byte[]> submitPlain(byte[] command) {
        return requests.submit(CommandEnvelope.plain(command).encode());
    }

    /** Submits a command of a client session (thesis §6.3). */
    public CompletableFuture<byte[]> submitInSession(long sessionId, long seq, long ackedThrough, byte[] command) {
        return requests.submit(CommandEnvelope.session(sessionId, seq, ackedThrough, command).encode());
    }

    /** Registers a new client session through the log; completes with its id. */
    public CompletableFuture<Long> openSession() {
        return requests.submit(CommandEnvelope.openSession().encode()).thenApply(r -> ByteBuffer.wrap(r).getLong());
    }

    /** A read with the given consistency; completes with the state machine's answer. */
    public CompletableFuture<byte[]> query(byte[] query, ReadMode mode) {
        return requests.query(query, mode);
    }

    /** Moves the cluster to the configuration {@code edit} makes of the one in force (thesis chapter 4). */
    public CompletableFuture<ClusterConfiguration> changeMembership(UnaryOperator<ClusterConfiguration> edit) {
        return callbacks.delivered(requests.changeMembership(edit));
    }

    /** Adds {@code server} as a learner, then promotes it once it caught up (thesis §4.2.1). */
    public CompletableFuture<ClusterConfiguration> addVoter(String server, String address) {
        return callbacks.delivered(requests.addVoter(server, address));
    }

    /** Hands leadership to {@code target} (thesis §3.10); completes once it leads a later term. */
    public CompletableFuture<Void> transferLeadership(String target) {
        return callbacks.delivered(requests.transferLeadership(target));
    }

    /** The configuration in force on this server (the latest in its log, committed or not). */
    public CompletableFuture<ClusterConfiguration> configuration() {
        return callbacks.delivered(onLoop(() -> protocol.configuration()));
    }

    /** A consistent status, read on the raft loop. */
    public CompletableFuture<NodeStatus> status() {
        return callbacks.delivered(onLoop(() -> new NodeStatus(id, protocol.role(), protocol.currentTerm(),
                protocol.leaderId(), protocol.commitIndex(), applier.lastApplied(), protocol.lastIndex(),
                protocol.matchIndexes(), protocol.configuration(), clusterId.clusterId(), outage.problem())));
    }

    /** Takes a snapshot now; completes with what it covers. */
    public CompletableFuture<SnapshotMeta> snapshot() {
        CompletableFuture<SnapshotMeta> out = new CompletableFuture<>();
        loop.execute(() -> {
            if (rejectIfStopped(out)) {
                return;
            }
            if (snapshotInstall == null) {
                out.completeExceptionally(new IllegalStateException("server " + id + " has no snapshot store"));
                return;
            }
            snapshotInstall.takeNow(out);
        });
        return callbacks.delivered(out);
    }

    private <T> CompletableFuture<T> onLoop(java.util.function.Supplier<T> read) {
        CompletableFuture<T> out = new CompletableFuture<>();
        loop.execute(() -> {
            if (!rejectIfStopped(out)) {
                out.complete(read.get());
            }
        });
        return out;
    }

    /** Runs {@code task} after {@code delayNanos} (session retries), where user futures complete. */
    public void schedule(Runnable task, long delayNanos) {
        scheduler.schedule(callbacks::deliver, task, delayNanos);
    }

    /** How long a request may take in all, retries included. */
    public long requestTimeoutNanos() {
        return settings.options().requestTimeout().toNanos();
    }

    /** The group's clock. */
    public long nanoTime() {
        return scheduler.nanoTime();
    }

    /** Listeners are told (on the apply thread, in order) of every new leader this server learns of. */
    public void addLeaderListener(BiConsumer<String, Long> listener) {
        published.addLeaderListener(listener);
    }

    public Role role() {
        return published.role();
    }

    public long term() {
        return published.term();
    }

    public String leaderId() {
        return published.leaderId();
    }

    /** The cluster id, or null while unknown. */
    public String clusterId() {
        return clusterId.clusterId();
    }

    public long lastApplied() {
        return applier.lastApplied();
    }

    public String id() {
        return id;
    }

    /** Completes when the group stops: normally after {@link #close()}, exceptionally when it stopped itself. */
    public CompletableFuture<Void> terminated() {
        return terminated;
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
        if (request instanceof ForwardRequest.InstallSnapshotChunk chunk && chunk.offset() > 0 && snapshotInstall != null
                && !closed) {
            // The loop decides on the first chunk (is the snapshot news?) and installs the complete snapshot; the
            // chunks in between go from the transport straight to the snapshot thread.
            CompletableFuture<ForwardResponse> response = new CompletableFuture<>();
            snapshotInstall.receiveLaterChunk(from, chunk, response, published.term());
            return response;
        }
        if (request instanceof ForwardRequest.InstallSnapshotChunk chunk) {
            CompletableFuture<ForwardResponse> response = new CompletableFuture<>();
            loop.execute(() -> {
                if (closed) {
                    response.complete(ForwardOutcomes.toLeaderAnswer(stopped()));
                } else if (snapshotInstall == null) {
                    response.complete(new ForwardResponse.Failed(ForwardResponse.Reason.INTERNAL, null, "server "
                            + id + " has no snapshot store and cannot install a snapshot"));
                } else {
                    snapshotInstall.receiveChunk(from, chunk, response);
                }
            });
            return response;
        }
        return requests.onForward(request);
    }

    @Override
    public void onClientRequests(List<? extends ClientCall> calls) {
        requests.onClientCalls(calls);
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
        if (snapshotInstall != null) {
            snapshotInstall.tick();
        }
        processReady();
        tickTask = scheduler.schedule(loop, this::tick, settings.options().tick().toNanos());
    }

    /**
     * Processes the protocol's work after every task already queued on the loop has run, so that a burst of
     * proposals or messages turns into one Ready: one log append, one AppendEntries per follower (batching,
     * thesis §10.2.1) instead of one of each per command.
     */
    void scheduleReady() {
        if (!readyScheduled) {
            readyScheduled = true;
            loop.execute(() -> {
                readyScheduled = false;
                processReady();
            });
        }
    }

    /** Drains the protocol's work: persist, send, apply, answer reads (see {@link Ready}). */
    void processReady() {
        while (!closed && protocol.hasReady()) {
            Ready r = protocol.ready();
            published.changed(r.softState()); // the newest wins: published once the batch is done
            if (r.snapshotToRestore() != null) {
                snapshotInstall.restoreFromLeader(r.snapshotToRestore());
                if (closed) {
                    return;
                }
            }
            if (!r.nothingToPersist() || !r.messagesAfterPersist().isEmpty()) {
                writes.persist(r);
                if (closed) {
                    return;
                }
            }
            writes.send(r.messages());
            if (!r.committedEntries().isEmpty()) {
                // Another term's entry was committed at a proposal's index: certain, it did not take effect.
                applier.apply(r.committedEntries(), proposals.claim(r.committedEntries(),
                        index -> new NotLeaderException(id, null, null)), this::stoppedWhilePending);
                if (snapshotInstall != null) {
                    snapshotInstall.handedToApply(r.committedEntries());
                }
            }
            for (ReadState rs : r.readStates()) {
                requests.readReady(rs.requestId(), rs.readIndex());
            }
            for (long readId : r.abortedReads()) {
                requests.readFailed(readId, notLeader());
            }
            for (EntryFetch f : r.entriesToFetch()) {
                writes.fetch(f);
            }
        }
        if (!closed) {
            members.update(protocol.configuration(), protocol.serversToReach());
        }
        publishState();
        if (!closed) {
            requests.leaderMaybeKnown();
        }
    }

    /** Membership requests decided by this batch complete; role, term and leader are published when they changed. */
    private void publishState() {
        membership.check(protocol, this::notLeader);
        if (published.publish() && snapshotInstall != null) {
            snapshotInstall.leadershipLost();
        }
    }

    // ------------------------------------------------------------ answers

    /**
     * False on a server its own configuration leaves out (removed, or waiting to be added): it no longer gets
     * the log, so it could neither apply a forwarded command nor serve a read at a leader's read index.
     */
    boolean isMember() {
        return protocol.configuration().members().contains(id);
    }

    NotMemberException notMember() {
        String leader = protocol.leaderId();
        return new NotMemberException(id, leader, leader == null ? null : members.addressOf(leader));
    }

    NotLeaderException notLeader() {
        String leader = protocol.leaderId();
        return new NotLeaderException(id, leader, leader == null ? null : members.addressOf(leader));
    }

    boolean closed() {
        return closed;
    }

    /** Refuses a request on a stopped server: certain, nothing was appended or forwarded. */
    boolean rejectIfStopped(CompletableFuture<?> out) {
        if (closed) {
            out.completeExceptionally(stopped());
            return true;
        }
        return false;
    }

    /** For a request refused because this server had stopped before accepting it: it did not take effect. */
    ShutdownException stopped() {
        ShutdownException f = failure;
        return f != null ? new ShutdownException(f.getMessage(), f.getCause(), false)
                : new ShutdownException("server " + id + " is closed", null, false);
    }

    /**
     * For proposals this server had appended as leader when it stopped: other servers may have them and may
     * still commit them, so their outcome is unknown.
     */
    ShutdownException stoppedWhilePending() {
        ShutdownException f = failure;
        return f != null ? f : new ShutdownException("server " + id + " closed before the command was decided; it "
                + "may or may not have been applied", null, true);
    }

    // ------------------------------------------------------------ failures and shutdown (events on the loop)

    /**
     * Stops the group after an error that makes going on unsafe — a disk that failed a write, a state machine
     * that threw: the server can no longer tell what it has stored or applied, so it leaves the cluster rather
     * than guess (the others carry on; restarting it recovers from what is durable). Any thread may call it; the
     * stop itself is an event on the loop, which fails every pending operation with the error, and
     * {@link #terminated()} completes with it.
     */
    void fatal(String why, Throwable cause) {
        loop.execute(() -> stop(why, cause));
    }

    /** The error of a group stopped by {@code why}: of unknown outcome for the proposals it had appended. */
    static ShutdownException stoppedBy(String id, String why, Throwable cause) {
        return new ShutdownException("server " + id + " stopped: " + why + (cause == null ? "" : " (" + cause + ")"),
                cause, true);
    }

    /** {@link #fatal} from the loop itself: stops at once, so nothing else of the current batch runs. */
    void failOnLoop(String why, Throwable cause) {
        stop(why, cause);
    }

    /** Loop: the one place a group stops, failed ({@code why} set) or closed. */
    private void stop(String why, Throwable cause) {
        if (closed) {
            return;
        }
        if (why != null) {
            // Unknown outcome: it fails proposals this server had appended (requests refused later get stopped()).
            failure = stoppedBy(id, why, cause);
            LOG.error("{} stopped: {}", id, why, cause);
        }
        closed = true;
        if (tickTask != null) {
            tickTask.cancel();
        }
        persistQueue.abandon();
        proposals.failAll(stoppedWhilePending());
        requests.failAll(stopped());
        if (snapshotInstall != null) {
            snapshotInstall.close(stopped());
        }
        if (failure != null) {
            ShutdownException f = failure;
            callbacks.deliver(() -> terminated.completeExceptionally(f));
        }
    }

    /** The error that stopped this group, or null. */
    ShutdownException failure() {
        return failure;
    }

    /**
     * Stops the group: the stop is an event on the loop (which fails every pending operation with
     * {@link ShutdownException}); then its threads stop after what they had queued, and the transport and the
     * stores close.
     */
    @Override
    public void close() {
        boolean wasRunning = !closed;
        CountDownLatch stopped = new CountDownLatch(1);
        loop.execute(() -> {
            stop(null, null);
            stopped.countDown();
        });
        try {
            // The loop never blocks, so this is quick; bounded all the same, so that close() always returns.
            if (!stopped.await(10, TimeUnit.SECONDS)) {
                LOG.warn("{}: the raft loop did not stop within 10 s; closing anyway", id);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly("transport", transport);
        applier.close();
        if (snapshotInstall != null) {
            snapshotInstall.closeReceiver();
        }
        // Stops the threads after they ran what was queued (every queued task sees `closed` and fails fast).
        closeQuietly("scheduler", scheduler);
        closeQuietly("log store", logStore);
        closeQuietly("term/vote store", metaStore);
        if (snapshots != null) {
            closeQuietly("snapshot store", snapshots);
        }
        callbacks.deliver(() -> terminated.complete(null));
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
