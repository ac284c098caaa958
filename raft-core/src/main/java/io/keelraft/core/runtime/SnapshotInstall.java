package io.keelraft.core.runtime;

import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.protocol.Message;
import io.keelraft.core.Role;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.OutcomeUnknownException;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.spi.SnapshotFile;
import io.keelraft.core.spi.SnapshotStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A group's snapshots (thesis chapter 5) as seen from its loop: taking its own ({@link SnapshotTaker}), sending
 * the newest one to followers that need compacted entries ({@link SnapshotSender}), and receiving and installing
 * a leader's ({@link SnapshotReceiver}, paper Figure 13). Every snapshot read and write runs on one snapshot
 * thread; the loop only steps the protocol with what they report.
 */
final class SnapshotInstall {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotInstall.class);

    private final RaftGroup group;
    private final SnapshotTaker taker;
    private final SnapshotSender sender;
    private final SnapshotReceiver receiver;

    // Loop-confined.
    /** The newest durable snapshot the protocol knows of: what a leader sends to followers that need it. */
    private SnapshotFile latest;
    /** The one before: an InstallSnapshot the protocol queued just before a newer snapshot arrived names it. */
    private SnapshotFile previous;
    /** A leader's snapshot received and committed, being stepped into the protocol. */
    private SnapshotFile installing;

    SnapshotInstall(RaftGroup group, SnapshotStore store, GroupRestore restored) {
        this.group = group;
        SnapshotFile start = restored.snapshot();
        if (start != null) {
            group.protocol.snapshotAvailable(start.meta());
            latest = start;
        }
        // One thread for every snapshot read and write: the store is never touched from two threads, and the
        // raft loop and apply thread never wait for a snapshot's disk I/O.
        Executor snapshotThread = GroupExecutors.droppedOnceClosed(group.scheduler.serialExecutor("snapshot"));
        // Snapshot-thread confined: the newest snapshot committed to the store, taken or received.
        AtomicLong newestCommitted = new AtomicLong(start == null ? 0 : start.meta().index());
        RaftOptions s = group.settings.options();
        long tick = group.settings.options().tick().toNanos();
        this.taker = new SnapshotTaker(group.id, store, group.applier, group.loop, snapshotThread, s, group.metrics,
                group.scheduler::nanoTime, start == null ? null : start.meta(), restored.appliedIndex(),
                newestCommitted, this::ownSnapshotDurable);
        this.sender = new SnapshotSender(group.id, group.transport, group.loop, snapshotThread, s.snapshotChunkBytes(),
                group.metrics, group.scheduler, tick, tick * group.settings.options().electionTimeoutTicks(),
                new SnapshotSender.Outcome() {
                    @Override
                    public boolean leads(long t) {
                        return !group.closed() && group.protocol.role() == Role.LEADER
                                && group.protocol.currentTerm() == t;
                    }

                    @Override
                    public void progressed(String peer) {
                        group.protocol.snapshotSendProgressed(peer);
                    }

                    @Override
                    public void failed(String peer) {
                        group.protocol.snapshotSendFailed(peer);
                        group.scheduleReady();
                    }

                    @Override
                    public void higherTerm(String peer, long t) {
                        // The follower's answer carries its term: a higher one makes this leader step down.
                        group.protocol.snapshotSendFailed(peer, t);
                        group.scheduleReady();
                    }
                });
        this.receiver = new SnapshotReceiver(group.id, store, snapshotThread, group.metrics, newestCommitted,
                (file, chunk, response) -> group.loop.execute(() -> received(file, chunk, response)));
    }

    void tick() {
        taker.tick();
    }

    void handedToApply(List<LogEntry> committed) {
        taker.handedToApply(committed);
    }

    /** Loop: streams the snapshot an InstallSnapshot names to its follower. */
    void send(Message.InstallSnapshot is) {
        sender.send(is, previous != null && previous.meta().equals(is.snapshot()) ? previous : latest);
    }

    void leadershipLost() {
        sender.clear();
    }

    /** Loop: takes a snapshot now; see {@code RaftNode#snapshot()}. */
    void takeNow(CompletableFuture<SnapshotMeta> out) {
        taker.takeNow().whenComplete((m, e) -> {
            if (e != null) {
                out.completeExceptionally(e);
            } else {
                out.complete(m);
            }
        });
    }

    /** Loop: a leader's snapshot chunk (thesis §5.3). */
    void receiveChunk(String from, ForwardRequest.InstallSnapshotChunk chunk,
                      CompletableFuture<ForwardResponse> response) {
        long current = group.protocol.currentTerm();
        if (chunk.term() < current) {
            // Paper §5.1: a stale leader learns the current term from the answer and steps down.
            response.complete(new ForwardResponse.SnapshotChunkAccepted(current, chunk.offset()));
            return;
        }
        if (!from.equals(chunk.leaderId())) {
            response.complete(new ForwardResponse.Failed(ForwardResponse.Reason.INTERNAL, null, "chunk from " + from
                    + " claims to come from " + chunk.leaderId()));
            return;
        }
        if (chunk.snapshot().index() <= group.protocol.commitIndex()) {
            // Everything it covers is committed here already: no bytes needed. Stepping it tells the leader so.
            group.protocol.step(new Message.InstallSnapshot(chunk.term(), from, group.id, chunk.snapshot()));
            group.processReady();
            response.complete(new ForwardResponse.SnapshotChunkAccepted(group.protocol.currentTerm(),
                    chunk.totalBytes()));
            return;
        }
        receiver.receive(chunk, current, response);
    }

    /**
     * Transport thread: a chunk after the first, straight to the snapshot thread. {@code currentTerm} is the term
     * this server last published: a chunk of an older term is answered with it (paper §5.1), so a stale leader
     * steps down; whatever the chunks wrote is only installed through the loop, once complete.
     */
    void receiveLaterChunk(String from, ForwardRequest.InstallSnapshotChunk chunk,
                           CompletableFuture<ForwardResponse> response, long currentTerm) {
        if (chunk.term() < currentTerm) {
            response.complete(new ForwardResponse.SnapshotChunkAccepted(currentTerm, chunk.offset()));
        } else if (!from.equals(chunk.leaderId())) {
            response.complete(new ForwardResponse.Failed(ForwardResponse.Reason.INTERNAL, null, "chunk from " + from
                    + " claims to come from " + chunk.leaderId()));
        } else {
            receiver.receive(chunk, currentTerm, response);
        }
    }

    /**
     * Loop: a leader's snapshot is durable and complete here: only now is its InstallSnapshot stepped into the
     * protocol, which restores from it when it is news (see {@link #restoreFromLeader}) and acknowledges it.
     */
    private void received(SnapshotFile file, ForwardRequest.InstallSnapshotChunk last,
                          CompletableFuture<ForwardResponse> response) {
        if (group.closed()) {
            response.complete(ForwardOutcomes.toLeaderAnswer(group.stopped()));
            return;
        }
        installing = file;
        group.protocol.step(new Message.InstallSnapshot(last.term(), last.leaderId(), group.id, file.meta()));
        group.processReady();
        installing = null;
        if (group.protocol.commitIndex() >= file.meta().index()) {
            // It holds committed state only (a leader snapshots what it applied): it may be sent on, as ours.
            ownSnapshotKnown(file);
        }
        response.complete(new ForwardResponse.SnapshotChunkAccepted(group.protocol.currentTerm(), file.size()));
    }

    /** Loop: Ready.snapshotToRestore: the log is discarded and the state machine restored from the snapshot. */
    void restoreFromLeader(SnapshotMeta meta) {
        SnapshotFile file = installing;
        if (file == null || !file.meta().equals(meta)) {
            group.failOnLoop("the protocol asked to restore " + meta + " but the snapshot being installed is "
                    + (file == null ? "none" : file.meta()), null);
            return;
        }
        // The snapshot is durable (committed before it was stepped), so the log may go: Figure 13 rule 7.
        group.logStore.compactTo(meta.index(), meta.term());
        group.persistQueue.entriesDiscarded();
        // Unknown: the snapshot may or may not contain the entries of proposals not yet handed out committed; this
        // server can no longer tell.
        group.proposals.failThrough(meta.index(), new OutcomeUnknownException("server " + group.id + " lost "
                + "leadership and installed a leader's snapshot through index " + meta.index() + " before it "
                + "learned whether the command was committed; it may or may not have been applied"));
        group.applier.restore(file);
        ownSnapshotKnown(file);
        taker.installed(meta);
        group.metrics.snapshotInstalled(meta.index(), file.size());
        LOG.info("{} installed the leader's snapshot through index {} (term {})", group.id, meta.index(), meta.term());
    }

    /** Loop: this server's own snapshot is durable: report it, then compact the log behind it. */
    private void ownSnapshotDurable(SnapshotFile file) {
        if (group.closed()) {
            return;
        }
        ownSnapshotKnown(file);
        SnapshotMeta meta = file.meta();
        // Keep a trailing margin so that slightly lagging followers still get entries (thesis §5.1.3).
        long to = Math.min(meta.index() - group.settings.options().snapshotTrailingEntries(), group.logStore.lastIndex());
        if (to > group.logStore.snapshotIndex()) {
            long t;
            try {
                t = group.logStore.term(to);
            } catch (IndexOutOfBoundsException e) {
                return;
            }
            group.logStore.compactTo(to, t);
        }
        group.processReady();
    }

    private void ownSnapshotKnown(SnapshotFile file) {
        if (latest == null || file.meta().index() > latest.meta().index()) {
            previous = latest;
            latest = file;
            // Before any compaction past it (RaftProtocol#snapshotAvailable).
            group.protocol.snapshotAvailable(file.meta());
        }
    }

    /** Loop: the group stops; whoever waits for a snapshot fails. */
    void close(RuntimeException cause) {
        taker.close(cause);
    }

    /** Closing thread, after the loop stopped: abandons a half-received snapshot. */
    void closeReceiver() {
        receiver.close();
    }
}
