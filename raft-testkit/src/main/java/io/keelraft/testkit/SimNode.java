package io.keelraft.testkit;

import io.keelraft.core.protocol.ClusterConfiguration;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.protocol.Message;
import io.keelraft.core.protocol.ProposeResult;
import io.keelraft.core.protocol.RaftProtocol;
import io.keelraft.core.protocol.ReadState;
import io.keelraft.core.protocol.Ready;
import io.keelraft.core.protocol.Role;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * One simulated server: a {@link RaftProtocol} driven the way the {@link Ready} contract asks, over a
 * {@link SimDisk} that survives crashes and a {@link SimStateMachine} that does not. After every input it
 * drains the protocol's Ready batches and reports what it sees to the {@link Invariants}.
 */
final class SimNode {

    private final String id;
    private final SimulationOptions options;
    private final ClusterConfiguration bootstrap;
    private final EventQueue queue;
    private final SimNetwork network;
    private final SimDisk disk;
    private final SplittableRandom random;
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

    long readsServed() {
        return readsServed;
    }

    long crashes() {
        return crashes;
    }

    /** Messages the protocol dropped as malformed, over all lives of this server. */
    long malformedDropped() {
        return droppedBefore + (protocol == null ? 0 : protocol.droppedMessages());
    }

    /** Starts (or restarts) the server from its durable state, with an empty state machine. */
    void start() {
        if (protocol != null) {
            throw new IllegalStateException(id + " is already up");
        }
        incarnation++;
        // The state machine is volatile, so it re-applies from index 1: appliedIndex is the log's base, 0.
        RaftProtocol p = new RaftProtocol(options.protocolConfig(id), bootstrap, disk.hardState(), disk.log(),
                disk.log().snapshotIndex(), random.split());
        options.protocolHook().accept(p);
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
        };
        stateMachine = new SimStateMachine();
        handedToDisk = disk.log().lastIndex();
        commitIndexSeen = p.commitIndex();
        lastRole = p.role();
        lastTerm = p.currentTerm();
        trace.milestone(queue.now(), id, "start", "term=" + lastTerm + " votedFor=" + p.votedFor() + " log="
                + disk.log().lastIndex() + "@" + disk.log().term(disk.log().lastIndex()));
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
        protocol.step(m);
        afterInput();
    }

    /** A client proposes {@code command} here; must be up. */
    ProposeResult propose(byte[] command) {
        ProposeResult result = protocol.propose(command);
        afterInput();
        return result;
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
        List<LogEntry> entries = ready.entriesToAppend();
        if (!entries.isEmpty()) {
            invariants.handedToDisk(id, protocol.role(), protocol.currentTerm(), handedToDisk, entries);
            handedToDisk = entries.get(entries.size() - 1).index();
        }
        for (Message m : ready.messages()) {
            network.send(m);
        }
        SimDisk.Write write = new SimDisk.Write(ready.hardState(), entries, ready.messagesAfterPersist());
        if (write.hasData() || (disk.busy() && !write.afterPersist().isEmpty())) {
            disk.submit(write, this::durable);
        } else {
            write.afterPersist().forEach(network::send);
        }
        apply(ready.committedEntries());
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
    }

    private void durable(SimDisk.Write write) {
        List<LogEntry> entries = write.entries();
        trace.record(queue.now(), id, "durable", (write.hardState() == null ? "" : write.hardState() + " ")
                + EventTrace.entries(entries));
        if (!entries.isEmpty()) {
            invariants.durable(id, entries);
            LogEntry last = entries.get(entries.size() - 1);
            protocol.persisted(last.index(), last.term());
        }
        write.afterPersist().forEach(network::send);
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

    /** The up server that leads the highest term, or null when no server leads. */
    static SimNode leaderOf(List<SimNode> nodes) {
        SimNode best = null;
        for (SimNode n : nodes) {
            RaftProtocol p = n.protocol;
            if (p != null && p.role() == Role.LEADER && (best == null || p.currentTerm() > best.protocol.currentTerm())) {
                best = n;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return protocol == null ? id + "{down}" : protocol.toString();
    }
}
