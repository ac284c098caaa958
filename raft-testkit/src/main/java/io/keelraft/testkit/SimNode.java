package io.keelraft.testkit;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.EntryFetch;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.protocol.Message;
import io.keelraft.core.protocol.ProposeResult;
import io.keelraft.core.protocol.RaftProtocol;
import io.keelraft.core.protocol.ReadState;
import io.keelraft.core.protocol.Ready;
import io.keelraft.core.Role;
import io.keelraft.core.SnapshotMeta;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * One simulated server: a {@link RaftProtocol} driven the way the {@link Ready} contract asks, over a
 * {@link SimDisk} that survives crashes and a {@link SimStateMachine} that does not. After every input it
 * drains the protocol's Ready batches and reports what it sees to the {@link Invariants}.
 *
 * <p>Snapshots (thesis chapter 5): every {@link SimulationOptions#snapshotEveryEntries()} applied entries it
 * snapshots its state machine, reports the snapshot with {@code snapshotAvailable} once the file is durable,
 * and then compacts its log (through the log's write queue), keeping a random margin of entries. A leader's
 * InstallSnapshot carries the durable snapshot's bytes over the network; the receiver makes them durable
 * (a crash in between loses them) before stepping the message, and restores its state machine and discards
 * its log when the Ready says so. A restart restores the newest durable snapshot and replays the log after it.
 */
final class SimNode {

    private final String id;
    private final SimulationOptions options;
    private final ClusterConfiguration bootstrap;
    private final EventQueue queue;
    private final SimNetwork network;
    private final SimDisk disk;
    private final SplittableRandom random;
    /**
     * Like {@code RaftGroup}'s loop, half the servers step every message that arrives meanwhile before they take a
     * Ready (one Ready for a batch of input), so the protocol meets input that one Ready per message never shows: a
     * message that undoes what an earlier one in the batch did (entries replaced before they were persisted).
     */
    private final boolean batchesMessages;
    private boolean readyScheduled;
    private final Invariants invariants;
    private final EventTrace trace;
    /** Told when this server becomes leader, before its first messages as leader leave. */
    private Consumer<SimNode> electionListener = n -> { };
    /** Told when this server, as leader, has advanced its commitIndex and applied the new entries. */
    private Consumer<SimNode> commitListener = n -> { };
    /** commitIndex after the previous input, to tell when a leader commits. */
    private long commitIndexSeen;

    private RaftProtocol protocol;
    private LogView logView;
    private SimStateMachine stateMachine;
    private long fetches;
    /** Distinguishes the lives of this server, so that a dead life's timers do nothing. */
    private int incarnation;
    /** Last log index handed to the disk in this life (Leader Append-Only). */
    private long handedToDisk;
    private Role lastRole;
    private long lastTerm;
    /** Confirmed reads waiting until their read index is applied (thesis §6.4 step 4). */
    private final List<ReadState> readsToServe = new ArrayList<>();
    private long readsServed;
    private long crashes;
    /** Malformed messages dropped by earlier lives' protocol instances. */
    private long droppedBefore;
    /** A snapshot this server installed whose log compaction is not durable yet: the log starts after it. */
    private SimSnapshot restoring;
    /** A snapshot of this server's own is being written. */
    private boolean snapshotting;
    /** The server's snapshot before the one just received was kept (for {@link SimulationOptions.SnapshotBug}). */
    private SimSnapshot previousSnapshot;
    private long snapshotsTaken;
    private long snapshotsSent;
    private long snapshotsInstalled;
    private long compactions;

    SimNode(String id, SimulationOptions options, ClusterConfiguration bootstrap, EventQueue queue,
            SimNetwork network, SplittableRandom random, Invariants invariants, EventTrace trace) {
        this.id = id;
        this.options = options;
        this.bootstrap = bootstrap;
        this.queue = queue;
        this.network = network;
        this.random = random;
        this.invariants = invariants;
        this.trace = trace;
        this.disk = new SimDisk(options, queue, random);
        // Most servers keep only their newest few entries "in memory", so a leader serving a lagging follower
        // reads the rest off its loop (EntryFetch), as with a file log's cache.
        disk.log().keepInMemory(random.nextInt(4) == 0 ? Long.MAX_VALUE : random.nextLong(0, 50));
        this.batchesMessages = random.nextBoolean();
    }

    /** Sets who is told when this server becomes leader (the fault schedule). */
    void onElected(Consumer<SimNode> listener) {
        this.electionListener = listener;
    }

    /** Sets who is told when this server, as leader, commits new entries (the fault schedule). */
    void onLeaderCommit(Consumer<SimNode> listener) {
        this.commitListener = listener;
    }

    String id() {
        return id;
    }

    boolean isUp() {
        return protocol != null;
    }

    /** The running protocol instance, or null while down. */
    RaftProtocol protocol() {
        return protocol;
    }

    /** The state machine of this life, or null while down. */
    SimStateMachine stateMachine() {
        return stateMachine;
    }

    SimDisk disk() {
        return disk;
    }

    /** What this server did over all its lives, for the run's report. */
    SimNodeCounts counts() {
        return new SimNodeCounts(readsServed, crashes, snapshotsTaken, snapshotsSent, snapshotsInstalled, compactions,
                fetches);
    }

    /** Messages the protocol dropped as malformed, over all lives of this server. */
    long malformedDropped() {
        return droppedBefore + (protocol == null ? 0 : protocol.droppedMessages());
    }

    /**
     * Starts (or restarts) the server from its durable state: the state machine is restored from the newest
     * durable snapshot (or starts empty) and re-applies the committed log after it.
     */
    void start() {
        if (protocol != null) {
            throw new IllegalStateException(id + " is already up");
        }
        incarnation++;
        SimSnapshot snapshot = disk.snapshot();
        SimDurableLog log = disk.log();
        ClusterConfiguration configuration = bootstrap;
        stateMachine = new SimStateMachine();
        if (snapshot != null) {
            SnapshotMeta meta = snapshot.meta();
            if (log.snapshotIndex() > meta.index()) {
                throw new IllegalStateException(id + " compacted its log through " + log.snapshotIndex()
                        + " beyond its newest snapshot " + snapshot);
            }
            if (log.snapshotIndex() < meta.index()) {
                // The log may not have been compacted (or even written) that far: the LogStore rule makes it
                // start at the snapshot, discarding it unless it holds the snapshot's last entry.
                long before = log.snapshotIndex();
                boolean kept = log.compactTo(meta.index(), meta.term(), snapshot.hash());
                invariants.compacted(id, meta.index(), meta.term(), snapshot.hash(), kept);
                compactions++;
                trace.record(queue.now(), id, "compact at start", "from " + before + " to " + meta.index()
                        + (kept ? "" : ", log discarded"));
            }
            stateMachine = SimStateMachine.restore(snapshot);
            invariants.restored(id, snapshot, "its own durable " + snapshot);
            configuration = meta.configuration();
        }
        RaftProtocol p = new RaftProtocol(id, options.raftOptions(), configuration, disk.hardState(), log,
                stateMachine.appliedIndex(), random.split());
        if (snapshot != null) {
            p.snapshotAvailable(snapshot.meta());
        }
        protocol = p;
        logView = new LogView() {
            @Override
            public long lastIndex() {
                return p.lastIndex();
            }

            @Override
            public long term(long index) {
                return p.term(index);
            }

            @Override
            public long snapshotIndex() {
                return restoring != null ? restoring.index() : disk.log().snapshotIndex();
            }

            @Override
            public long snapshotHash() {
                return restoring != null ? restoring.hash() : disk.log().hash(disk.log().snapshotIndex());
            }
        };
        handedToDisk = disk.log().lastIndex();
        commitIndexSeen = p.commitIndex();
        lastRole = p.role();
        lastTerm = p.currentTerm();
        trace.milestone(queue.now(), id, "start", "term=" + lastTerm + " votedFor=" + p.votedFor() + " log="
                + disk.log().lastIndex() + "@" + disk.log().term(disk.log().lastIndex()) + " snapshot="
                + (snapshot == null ? "none" : snapshot.index()));
        int life = incarnation;
        // Servers tick at the same rate but out of phase with one another.
        queue.after(random.nextLong(1, options.tickMillis() + 1), () -> tick(life));
        afterInput();
    }

    /** Stops the server at once: the protocol, unfinished writes, unsent messages and the state machine are lost. */
    void crash() {
        if (protocol == null) {
            return;
        }
        droppedBefore += protocol.droppedMessages();
        protocol = null;
        logView = null;
        stateMachine = null;
        readsToServe.clear();
        restoring = null;
        snapshotting = false;
        previousSnapshot = null;
        disk.crash();
        crashes++;
        invariants.crashed(id);
        trace.milestone(queue.now(), id, "crash", null);
    }

    private void tick(int life) {
        if (life != incarnation || protocol == null) {
            return;
        }
        protocol.tick();
        afterInput();
        queue.after(options.tickMillis(), () -> tick(life));
    }

    /** A message arrives from the network; dropped when this server is down. */
    void receive(Message m) {
        if (protocol == null) {
            trace.record(queue.now(), id, "down, dropped", m);
            return;
        }
        trace.record(queue.now(), id, "recv", m);
        long droppedBefore = protocol.droppedMessages();
        protocol.step(m);
        if (protocol.droppedMessages() > droppedBefore) {
            // The network delivers only what servers sent: a message the protocol calls malformed was made by a
            // server in a state it should never reach. End the run here, with the trace that led to it.
            throw new SafetyViolation("Servers send only well-formed messages",
                    id + " dropped " + m + " as malformed");
        }
        if (!batchesMessages) {
            afterInput();
        } else if (!readyScheduled) {
            readyScheduled = true;
            // 0 = after every event already due now; messages arriving meanwhile join the batch.
            queue.after(random.nextLong(0, 2), () -> {
                readyScheduled = false;
                if (protocol != null) { // else it crashed meanwhile, and the batch died with it
                    afterInput();
                }
            });
        }
    }

    /**
     * A leader's InstallSnapshot arrives with the snapshot's bytes: they are written to disk first, and the
     * message is stepped only once they are durable (a crash before then loses them).
     */
    void receiveSnapshot(Message.InstallSnapshot m, SimSnapshot data) {
        if (protocol == null) {
            trace.record(queue.now(), id, "down, dropped", m);
            return;
        }
        trace.record(queue.now(), id, "recv, writing snapshot", m);
        int life = incarnation;
        disk.writeSnapshot(data, s -> snapshotReceived(life, m, s));
    }

    private void snapshotReceived(int life, Message.InstallSnapshot m, SimSnapshot s) {
        if (life != incarnation || protocol == null) {
            return;
        }
        trace.record(queue.now(), id, "snapshot durable, step", m);
        SimSnapshot before = disk.snapshot();
        protocol.step(m);
        // The file becomes the server's snapshot when the protocol took its state: it restored it, or it had
        // committed that far already. (A refused one, from a stale leader, is left aside.)
        if (protocol.commitIndex() >= s.index() && disk.keep(s)) {
            previousSnapshot = before;
            SnapshotMeta latest = protocol.latestSnapshot();
            if (latest == null || latest.index() < s.index()) {
                protocol.snapshotAvailable(s.meta());
            }
        }
        afterInput();
    }

    /** A client proposes {@code command} here; must be up. */
    ProposeResult propose(byte[] command) {
        ProposeResult result = protocol.propose(command);
        afterInput();
        return result;
    }

    /**
     * Asks this server (the leader) to change the configuration; must be up. Returns true when it accepted.
     *
     * @throws IllegalStateException when a change is already in progress
     */
    boolean changeConfiguration(ClusterConfiguration target) {
        try {
            return protocol.changeConfiguration(target).accepted();
        } finally {
            afterInput();
        }
    }

    /** Asks this server (the leader) to hand leadership to {@code target}; must be up. */
    boolean transferLeadership(String target) {
        try {
            return protocol.transferLeadership(target);
        } finally {
            afterInput();
        }
    }

    /** A client starts read {@code requestId} here; must be up. */
    boolean read(long requestId) {
        boolean accepted = protocol.read(requestId);
        afterInput();
        return accepted;
    }

    /** A client starts read {@code requestId} here under the leader's lease (thesis §6.4.1); must be up. */
    boolean readWithLease(long requestId) {
        boolean accepted = protocol.readWithLease(requestId);
        afterInput();
        return accepted;
    }

    private void afterInput() {
        observe();
        while (protocol != null && protocol.hasReady()) {
            handle(protocol.ready());
            observe();
        }
        if (protocol != null && protocol.commitIndex() > commitIndexSeen) {
            commitIndexSeen = protocol.commitIndex();
            if (protocol.role() == Role.LEADER) {
                commitListener.accept(this);
            }
        }
    }

    private void observe() {
        RaftProtocol p = protocol;
        invariants.observe(id, p.role(), p.currentTerm(), p.commitIndex(), logView);
        if (p.role() != lastRole || p.currentTerm() != lastTerm) {
            lastRole = p.role();
            lastTerm = p.currentTerm();
            String what = "now " + lastRole + " in term " + lastTerm;
            if (lastRole == Role.LEADER) {
                trace.milestone(queue.now(), id, what, "log=" + p.lastIndex() + "@" + p.lastTerm()
                        + " commit=" + p.commitIndex());
                electionListener.accept(this);
            } else {
                trace.record(queue.now(), id, what, p.leaderId() == null ? null : "leader=" + p.leaderId());
            }
        }
    }

    private void handle(Ready ready) {
        SimDisk.Compaction compaction = ready.snapshotToRestore() == null ? null
                : installSnapshot(ready.snapshotToRestore());
        List<LogEntry> entries = ready.entriesToAppend();
        if (!entries.isEmpty()) {
            invariants.handedToDisk(id, protocol.role(), protocol.currentTerm(), handedToDisk, entries);
            handedToDisk = entries.get(entries.size() - 1).index();
        }
        for (Message m : ready.messages()) {
            send(m);
        }
        SimDisk.Write write = new SimDisk.Write(ready.hardState(), entries, ready.messagesAfterPersist(),
                compaction);
        if (write.hasData() || (disk.busy() && !write.afterPersist().isEmpty())) {
            disk.submit(write, this::durable);
        } else {
            write.afterPersist().forEach(this::send);
        }
        apply(ready.committedEntries());
        maybeSnapshot();
        for (ReadState r : ready.readStates()) {
            invariants.readConfirmed(id, r.requestId(), r.readIndex());
            trace.record(queue.now(), id, "read confirmed", "r" + r.requestId() + " at index " + r.readIndex());
            readsToServe.add(r);
        }
        for (long aborted : ready.abortedReads()) {
            invariants.readAbandoned(aborted);
            trace.record(queue.now(), id, "read aborted", "r" + aborted);
        }
        serveReads();
        for (EntryFetch f : ready.entriesToFetch()) {
            fetch(f);
        }
    }

    /** Ready.entriesToFetch: the read takes a while off the raft loop, then the entries (or none) are reported. */
    private void fetch(EntryFetch f) {
        int life = incarnation;
        queue.after(random.nextLong(0, 3), () -> {
            if (life != incarnation || protocol == null) {
                return;
            }
            SimDurableLog log = disk.log();
            List<LogEntry> read;
            if (f.fromIndex() <= log.snapshotIndex() || f.fromIndex() > log.lastIndex()) {
                read = List.of(); // compacted (or truncated) meanwhile: the read finds nothing
            } else {
                read = log.entries(f.fromIndex(), Math.min(f.toIndex(), log.lastIndex() + 1), f.maxBytes());
            }
            fetches++;
            protocol.entriesFetched(f.peer(), f.term(), f.fromIndex(), read);
            afterInput();
        });
    }

    /**
     * Ready.snapshotToRestore: the state machine becomes the snapshot's (every committed entry handed out
     * before is applied already), and the log is discarded through its index — in the disk's write queue, ahead
     * of this Ready's entries; until that is durable, the log the checkers see starts after the snapshot.
     */
    private SimDisk.Compaction installSnapshot(SnapshotMeta meta) {
        SimSnapshot s = disk.snapshot();
        if (s == null || !s.meta().equals(meta)) {
            throw new IllegalStateException(id + " must restore " + meta + " but its durable snapshot is " + s);
        }
        SimSnapshot from = s;
        if (options.snapshotBug() == SimulationOptions.SnapshotBug.RESTORE_STALE_SNAPSHOT) {
            from = previousSnapshot;
        }
        stateMachine = from == null ? new SimStateMachine() : SimStateMachine.restore(from);
        if (from != null) {
            invariants.restored(id, from, "the leader's " + from);
        }
        snapshotsInstalled++;
        handedToDisk = meta.index();
        restoring = s;
        trace.milestone(queue.now(), id, "restore", s + (from == s ? "" : " from " + from));
        serveReads();
        return new SimDisk.Compaction(meta.index(), meta.term(), s.hash());
    }

    /** Sends {@code m}; an InstallSnapshot carries the durable snapshot's bytes. */
    private void send(Message m) {
        if (!(m instanceof Message.InstallSnapshot is)) {
            network.send(m);
            return;
        }
        SimSnapshot s = disk.snapshot();
        if (s != null && s.index() > is.snapshot().index()) {
            // A newer snapshot replaced it after the protocol decided (a leader's, installed while this batch of input
            // waited for its Ready): as RaftGroup's SnapshotSender does, report the send failed, and the protocol
            // sends the newer one.
            trace.record(queue.now(), id, "snapshot replaced, not sent", is);
            int life = incarnation;
            queue.after(0, () -> {
                if (life == incarnation && protocol != null) {
                    protocol.snapshotSendFailed(is.to());
                    afterInput();
                }
            });
            return;
        }
        if (s == null || !s.meta().equals(is.snapshot())) {
            throw new IllegalStateException(id + " must send " + is.snapshot() + " but its durable snapshot is " + s);
        }
        snapshotsSent++;
        trace.record(queue.now(), id, "send", is);
        if (!network.sendSnapshot(is, s) && random.nextBoolean()) {
            // The transfer failed where the sender can see it (a broken connection): it says so, and the
            // follower is probed again. Otherwise only the protocol's stall timeout notices.
            int life = incarnation;
            queue.after(random.nextLong(1, 5L * options.tickMillis()), () -> {
                if (life == incarnation && protocol != null) {
                    trace.record(queue.now(), id, "snapshot send failed", is.to());
                    protocol.snapshotSendFailed(is.to());
                    afterInput();
                }
            });
        }
    }

    /** Every so many applied entries, snapshots the state machine (one snapshot write at a time). */
    private void maybeSnapshot() {
        if (options.snapshotEveryEntries() == 0 || snapshotting || stateMachine.appliedIndex() == 0) {
            return;
        }
        SimSnapshot newest = disk.snapshot();
        long since = stateMachine.appliedIndex() - (newest == null ? 0 : newest.index());
        if (since < options.snapshotEveryEntries()) {
            return;
        }
        // Not protocol.configuration(): a later configuration in the log may not be committed (thesis §5.1).
        SimSnapshot s = stateMachine.snapshot(stateMachine.configuration(bootstrap));
        snapshotting = true;
        snapshotsTaken++;
        trace.record(queue.now(), id, "snapshot taken", s);
        int life = incarnation;
        disk.writeSnapshot(s, done -> ownSnapshotDurable(life, done));
    }

    /** The server's own snapshot is durable: report it, then compact the log, keeping a random margin. */
    private void ownSnapshotDurable(int life, SimSnapshot s) {
        if (life != incarnation || protocol == null) {
            return;
        }
        snapshotting = false;
        if (!disk.keep(s)) {
            return; // a newer snapshot from the leader was installed meanwhile
        }
        protocol.snapshotAvailable(s.meta());
        long margin = random.nextBoolean() ? 0 : random.nextLong(0, options.maxCompactionMargin() + 1);
        long to = s.index() - margin;
        trace.record(queue.now(), id, "snapshot durable", s + ", compacting to " + to);
        if (to > disk.log().snapshotIndex()) {
            // This life's state machine applied the snapshot's entries, so it knows the term and history at `to`.
            SimDisk.Compaction c = new SimDisk.Compaction(to, stateMachine.entry(to).term(), stateMachine.hash(to));
            disk.submit(new SimDisk.Write(null, List.of(), List.of(), c), this::durable);
        }
        afterInput();
    }

    private void durable(SimDisk.Write write) {
        if (write.compaction() != null) {
            SimDisk.Compaction c = write.compaction();
            if (disk.lastCompactionDone()) {
                compactions++;
                invariants.compacted(id, c.index(), c.term(), c.hash(), disk.lastCompactionKept());
                trace.record(queue.now(), id, "compacted", "to " + c.index() + "@" + c.term()
                        + (disk.lastCompactionKept() ? "" : ", log discarded"));
            }
            if (restoring != null && disk.log().snapshotIndex() >= restoring.index()) {
                restoring = null;
            }
        }
        if (write.hardState() != null) {
            protocol.hardStatePersisted(write.hardState());
        }
        List<LogEntry> entries = write.entries();
        trace.record(queue.now(), id, "durable", (write.hardState() == null ? "" : write.hardState() + " ")
                + EventTrace.entries(entries));
        if (!entries.isEmpty()) {
            invariants.durable(id, entries);
            LogEntry last = entries.get(entries.size() - 1);
            protocol.persisted(last.index(), last.term());
        }
        write.afterPersist().forEach(this::send);
        afterInput();
    }

    private void apply(List<LogEntry> committed) {
        if (committed.isEmpty()) {
            return;
        }
        for (LogEntry e : committed) {
            invariants.applied(id, stateMachine.appliedIndex(), e, protocol.currentTerm());
            stateMachine.apply(e);
        }
        trace.record(queue.now(), id, "apply", committed);
    }

    private void serveReads() {
        for (Iterator<ReadState> it = readsToServe.iterator(); it.hasNext(); ) {
            if (it.next().readIndex() <= stateMachine.appliedIndex()) {
                it.remove();
                readsServed++;
            }
        }
    }

    @Override
    public String toString() {
        return protocol == null ? id + "{down}" : protocol.toString();
    }
}
