package io.keelraft.testkit;

import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.ReadMode;
import io.keelraft.core.metrics.RaftMetrics;
import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import io.keelraft.testkit.linearizability.CheckResult;
import io.keelraft.testkit.linearizability.Command;
import io.keelraft.testkit.linearizability.History;
import io.keelraft.testkit.linearizability.LinearizabilityChecker;
import io.keelraft.testkit.linearizability.SearchBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

/**
 * The real {@link RaftNode} — raft loop, persistence ordering, apply thread, forwarding, client sessions,
 * ReadIndex and lease reads — run in virtual time: each server's threads are lanes of a {@link VirtualScheduler},
 * its disk a {@link SimNodeStorage} that loses unfinished writes in a crash, its network the simulator's. Clients
 * drive a key-value state machine through client sessions while a {@link NodeNemesis} crashes, partitions and
 * stalls and a {@link NodeMembershipNemesis} adds, removes and promotes servers (spares join with
 * {@link RaftNode.Builder#joining()}) and transfers leadership; afterwards everything heals and the run checks:
 * <ul>
 *   <li>State Machine Safety as it happens: no two servers apply different commands at one index;</li>
 *   <li>liveness: a fresh write commits and every server converges to the same state within bounds;</li>
 *   <li>the whole client history (plus final reads of every key on every server) is linearizable, which
 *       includes exactly-once: a command applied twice would make some read inexplicable.</li>
 * </ul>
 * One seed names one run, event for event.
 */
public final class NodeSimulation {

    private static final int CLIENTS = 5;
    private static final List<String> KEYS = List.of("a", "b", "c");
    private static final long CLIENT_TIMEOUT_MILLIS = 3_000;
    private static final long FORWARD_TIMEOUT_MILLIS = 1_000;
    private static final long REQUEST_TIMEOUT_MILLIS = 2_000;
    /** The longest membership request: addVoter's learner change, catch-up and, when it aborts, the removal. */
    private static final long MEMBERSHIP_SETTLE_MILLIS = 3 * REQUEST_TIMEOUT_MILLIS;
    /** Small chunks, so that a transfer takes several round trips and crashes and cuts land inside it. */
    private static final int SNAPSHOT_CHUNK_BYTES = 64;

    private final SimulationOptions options;
    private final ReadMode forcedReadMode;
    private final boolean lossyRestore;

    /** Prepares a run of {@code options} (seed, size, network, disk, fault phase); nothing runs yet. */
    public NodeSimulation(SimulationOptions options) {
        this(options, null);
    }

    /** A run whose clients read only in {@code readMode} (tests show STALE_LOCAL reads are caught). */
    NodeSimulation(SimulationOptions options, ReadMode readMode) {
        this(options, readMode, false);
    }

    /** A run whose state machines lose a key when restored from a snapshot (tests show it is caught). */
    NodeSimulation(SimulationOptions options, ReadMode readMode, boolean lossyRestore) {
        this.options = Objects.requireNonNull(options, "options");
        this.forcedReadMode = readMode;
        this.lossyRestore = lossyRestore;
    }

    /**
     * Runs to the end and checks the history.
     *
     * @throws SafetyViolation   when replicas diverge, a history is not linearizable, or an exception escapes
     * @throws LivenessViolation when the healed cluster does not commit or converge in time
     */
    public NodeSimulationResult run() {
        return new Run().execute();
    }

    /** The outcome of one passing run. */
    public record NodeSimulationResult(long seed, int clusterSize, long virtualMillis, long events, long traceHash,
                                       int operations, long leaderChanges, long crashes, long faultEpisodes,
                                       long highestApplied, SnapshotCounts snapshots, MembershipCounts membership,
                                       Map<String, Long> futuresByKind) {
    }

    /**
     * What the membership requests did in one run.
     *
     * @param requested          requests made to the leader of the moment
     * @param completed          requests that completed (the change committed, the transfer won)
     * @param failed             requests refused (one change at a time), aborted or timed out
     * @param leaderRemovals     requests that would remove the leader that received them
     * @param transfers          leadership transfers requested
     * @param transfersCompleted transfers whose target took over
     * @param finalMembers       the servers of the configuration the run ended with
     */
    public record MembershipCounts(long requested, long completed, long failed, long leaderRemovals, long transfers,
                                   long transfersCompleted, Set<String> finalMembers) {
    }

    /**
     * What the snapshot machinery did in one run, over every server and incarnation.
     *
     * @param taken                 own snapshots made durable
     * @param failed                own snapshots that failed (retried later)
     * @param installed             leader snapshots installed (state machine restored, log discarded)
     * @param chunkBytesSent        snapshot bytes followers accepted
     * @param compactions           log compactions that reached a disk
     * @param crashesWhileSnapshotting crashes between starting an own snapshot and its commit
     * @param crashesWhileReceiving crashes with a leader's snapshot partly received
     * @param resumedTransfers      chunks answered with a later offset: a transfer resumed where one stopped
     */
    public record SnapshotCounts(long taken, long failed, long installed, long chunkBytesSent, long compactions,
                                 long crashesWhileSnapshotting, long crashesWhileReceiving, long resumedTransfers) {
    }

    private final class Run implements NodeNemesis.Cluster, NodeMembershipNemesis.Cluster {
        final SplittableRandom random = new SplittableRandom(options.seed());
        final EventQueue queue = new EventQueue();
        final EventTrace trace = new EventTrace(options.traceCapacity(), options.hashFullTrace());
        final History history = new History();
        final List<String> ids = new ArrayList<>();
        final Map<String, String> members = new LinkedHashMap<>();
        final Map<String, SimNodeStorage> disks = new HashMap<>();
        final Map<String, Incarnation> running = new HashMap<>();
        final Map<Long, String> appliedAt = new HashMap<>();
        final Set<Long> termsWithLeader = new TreeSet<>();
        final SimNetwork network;
        final SimTransports transports;
        final NodeNemesis nemesis;
        final NodeMembershipNemesis membership;
        /** The initial voters; spares (when membership changes are on) are the other ids. */
        final Set<String> initial = new TreeSet<>();
        /** The members of the configuration the run ends with: the servers that must converge. */
        Set<String> finalMembers;
        final List<NodeSimClient> clients = new ArrayList<>();
        final RaftOptions raftOptions;
        SimulationFailure failure;
        boolean finished;
        long crashes;

        record Incarnation(RaftNode node, VirtualScheduler scheduler, SimKvStateMachine machine,
                           SnapshotMetrics metrics) {
        }

        /** Snapshot events of one incarnation, added to the run's totals. */
        final class SnapshotMetrics implements RaftMetrics {
            long started;
            long ended;

            @Override
            public void snapshotStarted() {
                started++;
            }

            @Override
            public void snapshotTaken(long index, long bytes, long nanos) {
                ended++;
                snapshotsTaken++;
                trace.record(queue.now(), null, "snapshot taken", "through " + index + ", " + bytes + " bytes");
            }

            @Override
            public void snapshotFailed() {
                ended++;
                snapshotsFailed++;
            }

            @Override
            public void snapshotInstalled(long index, long bytes) {
                snapshotsInstalled++;
            }

            @Override
            public void snapshotChunkSent(long bytes) {
                chunkBytesSent += bytes;
            }
        }

        long snapshotsTaken;
        long snapshotsFailed;
        long snapshotsInstalled;
        long chunkBytesSent;
        long crashesWhileSnapshotting;
        long crashesWhileReceiving;
        final long trailingEntries;

        Run() {
            int spares = options.membershipEveryMillis() > 0 ? options.spareServers() : 0;
            for (int i = 1; i <= options.clusterSize() + spares; i++) {
                ids.add("n" + i);
                members.put("n" + i, NodeMembershipNemesis.address("n" + i));
                if (i <= options.clusterSize()) {
                    initial.add("n" + i);
                }
            }
            network = new SimNetwork(options, ids, queue, random, trace, m -> { });
            transports = new SimTransports(network, FORWARD_TIMEOUT_MILLIS);
            for (String id : ids) {
                disks.put(id, new SimNodeStorage(options, queue, random.split()));
            }
            RaftOptions timing = options.raftOptions();
            // Half the runs keep no trailing entries, so lagging followers need InstallSnapshot often.
            trailingEntries = random.nextBoolean() ? 0 : random.nextLong(0, options.maxCompactionMargin() + 1);
            raftOptions = RaftOptions.builder()
                    .snapshotLogEntries(Math.max(0, options.snapshotEveryEntries()))
                    .snapshotTrailingEntries(trailingEntries)
                    .snapshotChunkBytes(SNAPSHOT_CHUNK_BYTES)
                    // The simulation's timing and switches; the runtime ticks once per heartbeat, as in production.
                    .electionTimeout(timing.electionTimeout()).heartbeatInterval(timing.heartbeatInterval())
                    .preVote(timing.preVote()).checkQuorum(timing.checkQuorum())
                    .requestTimeout(Duration.ofMillis(REQUEST_TIMEOUT_MILLIS))
                    .build();
            nemesis = new NodeNemesis(options, queue, random, network, this, trace);
            membership = new NodeMembershipNemesis(options.membershipEveryMillis(), queue, random.split(), this,
                    trace);
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(new NodeSimClient(c, queue, random.split(), history, trace, this::anyLiveNode,
                        this::live, KEYS, CLIENT_TIMEOUT_MILLIS, options.checkQuorum(), forcedReadMode));
            }
        }

        NodeSimulationResult execute() {
            FutureLanes lanes = FutureLanes.begin();
            try {
                ids.forEach(this::restart);
                clients.forEach(NodeSimClient::start);
                if (options.faults()) {
                    nemesis.start();
                }
                membership.start();
                queue.at(options.faultPhaseMillis(), this::endFaultPhase);
                while (!finished) {
                    if (!queue.runNext(Long.MAX_VALUE)) {
                        throw new IllegalStateException("nothing left to simulate");
                    }
                    if (failure != null) {
                        throw failure;
                    }
                    if (lanes.violation() != null) {
                        throw new SafetyViolation("User futures never complete on the raft loop", lanes.violation());
                    }
                }
            } catch (SimulationFailure f) {
                throw f.in(context());
            } catch (RuntimeException e) {
                throw new SafetyViolation("No unexpected exception", e + " escaped during the run", e).in(context());
            } finally {
                FutureLanes.end();
            }
            ids.forEach(id -> running.get(id).scheduler().close());
            long compactions = 0;
            long resumed = transports.snapshotResumes();
            for (SimNodeStorage d : disks.values()) {
                compactions += d.compactions();
            }
            NodeMembershipNemesis.Counts m = membership.counts();
            return new NodeSimulationResult(options.seed(), options.clusterSize(), queue.now(), queue.executed(),
                    trace.hash(), history.size(), Math.max(0, termsWithLeader.size() - 1), crashes,
                    nemesis.episodes(), appliedAt.size(), new SnapshotCounts(snapshotsTaken, snapshotsFailed,
                    snapshotsInstalled, chunkBytesSent, compactions, crashesWhileSnapshotting,
                    crashesWhileReceiving, resumed), new MembershipCounts(m.requested(), m.completed(), m.failed(),
                    m.leaderRemovals(), m.transfers(), m.transfersCompleted(), Set.copyOf(finalMembers)),
                    lanes.completedByKind());
        }

        // ------------------------------------------------------------ servers

        @Override
        public List<String> ids() {
            return ids;
        }

        @Override
        public String leader() {
            String best = null;
            long bestTerm = -1;
            for (Map.Entry<String, Incarnation> e : running.entrySet()) {
                RaftNode n = e.getValue().node();
                if (n.role() == Role.LEADER && n.term() > bestTerm) {
                    best = e.getKey();
                    bestTerm = n.term();
                }
            }
            return best;
        }

        @Override
        public RaftNode leaderNode() {
            String leader = leader();
            return leader == null ? null : running.get(leader).node();
        }

        @Override
        public boolean isUp(String id) {
            return running.containsKey(id);
        }

        @Override
        public void crash(String id) {
            Incarnation gone = running.remove(id);
            gone.scheduler().close();
            SimNodeStorage disk = disks.get(id);
            int[] open = ((io.keelraft.testkit.memory.InMemorySnapshotStore) disk.snapshotStore()).openSinks();
            if (gone.metrics().started > gone.metrics().ended) {
                crashesWhileSnapshotting++;
            }
            if (open[1] > 0) {
                crashesWhileReceiving++;
            }
            disk.crashed();
            transports.crashed(id);
            crashes++;
            trace.milestone(queue.now(), id, "crashed", null);
        }

        @Override
        public void restart(String id) {
            VirtualScheduler scheduler = new VirtualScheduler(queue, random.split());
            SimKvStateMachine machine = new SimKvStateMachine(id, this::applied, lossyRestore);
            SimNodeStorage disk = disks.get(id);
            SnapshotMetrics metrics = new SnapshotMetrics();
            RaftNode.Builder builder = RaftNode.builder().id(id);
            if (initial.contains(id)) {
                builder.members(members.entrySet().stream().filter(e -> initial.contains(e.getKey()))
                        .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
            } else {
                builder.members(members).joining(); // a spare: it waits, with no configuration, to be added
            }
            RaftNode node = builder
                    .stores(disk.logStore(scheduler), disk.metaStore(),
                            options.snapshotEveryEntries() > 0 ? disk.snapshotStore() : null)
                    .transport(transports.transport(id, scheduler)).metrics(metrics)
                    .stateMachine(machine).options(raftOptions).scheduler(scheduler).build();
            node.addLeaderListener((leader, term) -> {
                if (leader != null && termsWithLeader.add(term)) {
                    trace.milestone(queue.now(), id, "leader known", leader + " in term " + term);
                }
            });
            running.put(id, new Incarnation(node, scheduler, machine, metrics));
            node.start();
            trace.milestone(queue.now(), id, "started", "term " + disk.hardState().currentTerm());
        }

        @Override
        public void stallDisk(String id, boolean stalled) {
            disks.get(id).stalled(stalled);
        }

        RaftNode anyLiveNode() {
            if (running.isEmpty()) {
                return null;
            }
            List<String> up = new ArrayList<>(new TreeSet<>(running.keySet()));
            return running.get(up.get(random.nextInt(up.size()))).node();
        }

        @Override
        public boolean live(RaftNode node) {
            Incarnation current = running.get(node.id());
            return current != null && current.node() == node;
        }

        /** State Machine Safety (paper Figure 3), checked as every server applies. */
        void applied(String server, long index, String command) {
            String first = appliedAt.putIfAbsent(index, command);
            if (first != null && !first.equals(command) && failure == null) {
                failure = new SafetyViolation("State Machine Safety", server + " applied '" + command
                        + "' at index " + index + ", where another server applied '" + first + "'");
            }
        }

        // ------------------------------------------------------------ the end of a run

        private void endFaultPhase() {
            clients.forEach(NodeSimClient::stop);
            nemesis.stop();
            membership.stop();
            trace.milestone(queue.now(), null, "faults over", "everything healed, every server up");
            long deadline = queue.now() + Math.max(CLIENT_TIMEOUT_MILLIS, MEMBERSHIP_SETTLE_MILLIS)
                    + options.leaderWithinMillis();
            // Membership requests still running (an addVoter whose catch-up times out removes its learner
            // again) may change the configuration after the fault phase: the final one is read after them.
            waitFor(() -> clients.stream().allMatch(NodeSimClient::idle) && membership.idle(), deadline,
                    "clients and membership requests to finish", this::finalWrite);
        }

        /** Liveness: a fresh write through a new session commits within bounds. */
        private void finalWrite() {
            long deadline = queue.now() + options.leaderWithinMillis() + options.commitWithinMillis();
            boolean[] written = {false};
            Runnable[] attempt = new Runnable[1];
            attempt[0] = () -> {
                if (written[0]) {
                    return;
                }
                RaftNode node = anyLiveNode();
                trace.record(queue.now(), node.id(), "final write", "through a new session");
                node.openSession().thenCompose(s -> {
                    trace.record(queue.now(), node.id(), "final write", "session " + s.id() + " opened");
                    return s.submit(SimKvStateMachine.encode(Command.put("z", "final")));
                })
                        .whenComplete((r, e) -> {
                            trace.record(queue.now(), node.id(), "final write", e == null ? "ok" : e.toString());
                            if (e == null) {
                                written[0] = true;
                            } else {
                                queue.after(50, attempt[0]);
                            }
                        });
            };
            attempt[0].run();
            waitFor(() -> written[0], deadline, "a fresh write to commit after healing", this::finalConfiguration);
        }

        /**
         * The configuration the run ends with, once it is a plain one (a joint configuration left by the fault
         * phase moves on to C_new by itself): its members must converge, removed servers need not.
         */
        private void finalConfiguration() {
            long deadline = queue.now() + options.leaderWithinMillis() + options.commitWithinMillis();
            ClusterConfiguration[] found = {null};
            boolean[] asking = {false};
            waitFor(() -> {
                if (found[0] != null && !found[0].isJoint()) {
                    return true;
                }
                RaftNode leader = leaderNode();
                if (leader != null && !asking[0]) {
                    asking[0] = true;
                    leader.status().whenComplete((st, e) -> FutureLanes.completed("status"));
                    leader.snapshot().whenComplete((st, e) -> FutureLanes.completed("snapshot"));
                    leader.configuration().whenComplete((c, e) -> {
                        FutureLanes.completed("configuration");
                        asking[0] = false;
                        found[0] = c;
                    });
                }
                return false;
            }, deadline, "a leader with a plain (not joint) configuration", () -> {
                finalMembers = new TreeSet<>(found[0].members());
                trace.milestone(queue.now(), null, "final configuration", found[0]);
                converge();
            });
        }

        /** Every member of the final configuration applies everything: same lastApplied, same state. */
        private void converge() {
            long deadline = queue.now() + options.commitWithinMillis();
            String first = finalMembers.iterator().next();
            waitFor(() -> {
                long applied = running.get(first).node().lastApplied();
                return applied > 0 && finalMembers.stream().allMatch(id -> running.get(id).node().lastApplied()
                        == applied);
            }, deadline, "every member of " + finalMembers + " to apply the same log", this::finalReads);
        }

        /** Reads every key on every final member (ReadIndex), recorded as one more client each, then checks. */
        private void finalReads() {
            String first = finalMembers.iterator().next();
            Map<String, String> reference = running.get(first).machine().contents();
            for (String id : finalMembers) {
                Map<String, String> contents = running.get(id).machine().contents();
                if (!contents.equals(reference)) {
                    throw new SafetyViolation("State Machine Safety", id + " ended with " + contents + " but "
                            + first + " with " + reference);
                }
            }
            int[] pending = {0};
            for (int s = 0; s < ids.size(); s++) {
                if (!finalMembers.contains(ids.get(s))) {
                    continue;
                }
                RaftNode node = running.get(ids.get(s)).node();
                for (String key : KEYS) {
                    Command get = Command.get(key);
                    long op = history.invoke(CLIENTS + s, get, queue.now());
                    pending[0]++;
                    node.query(SimKvStateMachine.encode(get), ReadMode.READ_INDEX).whenComplete((r, e) -> {
                        FutureLanes.completed("query READ_INDEX");
                        pending[0]--;
                        if (e == null) {
                            history.ok(op, queue.now(), SimKvStateMachine.value(r));
                        } else {
                            history.fail(op, queue.now());
                        }
                    });
                }
            }
            waitFor(() -> pending[0] == 0, queue.now() + options.commitWithinMillis(), "the final reads",
                    this::checkHistory);
        }

        private void checkHistory() {
            CheckResult result = new LinearizabilityChecker(SearchBudget.steps(2_000_000)).check(history);
            if (!result.isLinearizable()) {
                throw new SafetyViolation("Linearizability", result.describe());
            }
            finished = true;
        }

        private void waitFor(BooleanSupplier condition, long deadline, String what, Runnable then) {
            if (condition.getAsBoolean()) {
                then.run();
            } else if (queue.now() >= deadline) {
                throw new LivenessViolation("Liveness", "waited until " + deadline + " ms for " + what
                        + "; servers: " + describeServers());
            } else {
                queue.after(10, () -> waitFor(condition, deadline, what, then));
            }
        }

        private String describeServers() {
            StringBuilder b = new StringBuilder();
            for (String id : ids) {
                Incarnation i = running.get(id);
                b.append(id).append(i == null ? " down" : " " + i.node().role() + " term " + i.node().term()
                        + " applied " + i.node().lastApplied()).append("; ");
            }
            return b.toString();
        }

        private SimulationFailure.RunContext context() {
            return new SimulationFailure.RunContext(options.seed(), options.clusterSize(),
                    "real RaftNode, " + options.summary(), queue.now(), queue.executed(), trace.milestoneLines(),
                    trace.recentLines() + "servers now: " + describeServers() + "\n");
        }
    }
}
