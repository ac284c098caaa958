package io.keelraft.testkit;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.HardState;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.protocol.Message;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A deterministic discrete-event simulation of one Raft cluster ({@link io.keelraft.core.protocol.RaftProtocol}
 * instances named n1..nN) in virtual time. One seeded random source decides everything — tick phases, message
 * delays, loss and duplication, disk latencies, client timing, the fault schedule, and (through split-off
 * generators) each server's election timeouts — so a seed names exactly one run, and rerunning it replays it
 * event for event.
 *
 * <p>A run has two phases. In the fault phase ({@link SimulationOptions#faultPhaseMillis()}) clients propose
 * commands and issue reads while the {@code Nemesis} partitions, cuts, crashes and restarts; the safety checkers
 * run after every event. Then faults stop, the network heals, every server restarts, and a liveness check
 * requires a leader and fresh commits on every server within bounds.
 *
 * <pre>{@code
 * SimulationResult r = new Simulation(SimulationOptions.builder().clusterSize(5).seed(42).build()).run();
 * }</pre>
 */
public final class Simulation {

    private final SimulationOptions options;

    /** Prepares a run; nothing happens until {@link #run()}. */
    public Simulation(SimulationOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Runs the simulation to its end.
     *
     * @throws SafetyViolation   when a safety property is violated, or an exception escapes the protocol
     * @throws LivenessViolation when the cluster makes no progress after the faults stop
     */
    public SimulationResult run() {
        return new Run().execute();
    }

    /** The state of one execution. */
    private final class Run {
        final SplittableRandom random = new SplittableRandom(options.seed());
        final EventQueue queue = new EventQueue();
        final EventTrace trace = new EventTrace(options.traceCapacity(), options.hashFullTrace());
        final Invariants invariants = new Invariants();
        final List<SimNode> nodes = new ArrayList<>();
        final SimNetwork network;
        final SimClient client;
        final Nemesis nemesis;
        final MembershipNemesis membership;
        final LivenessProbe probe;

        Run() {
            List<String> ids = new ArrayList<>();
            for (int i = 1; i <= options.clusterSize(); i++) {
                ids.add("n" + i);
            }
            Set<String> voters = new LinkedHashSet<>(ids);
            ClusterConfiguration bootstrap = ClusterConfiguration.ofVoters(voters);
            // Spare servers start with no configuration: they never campaign, and learn theirs once added.
            ClusterConfiguration none = new ClusterConfiguration(Set.of(), Set.of(), Set.of());
            int spares = options.membershipEveryMillis() == 0 ? 0 : options.spareServers();
            List<String> all = new ArrayList<>(ids);
            for (int i = 1; i <= spares; i++) {
                all.add("n" + (options.clusterSize() + i));
            }
            network = new SimNetwork(options, all, queue, random, trace, this::deliver, this::deliverSnapshot);
            for (String id : all) {
                nodes.add(new SimNode(id, options, ids.contains(id) ? bootstrap : none, queue, network, random,
                        invariants, trace));
            }
            client = new SimClient(options, queue, random, nodes, invariants, trace);
            nemesis = new Nemesis(options, queue, random, network, nodes, trace);
            membership = new MembershipNemesis(options, queue, random, nodes, trace);
            nodes.forEach(n -> n.onElected(leader -> {
                nemesis.elected(leader);
                membership.elected(leader);
            }));
            nodes.forEach(n -> n.onLeaderCommit(nemesis::committed));
            probe = new LivenessProbe(options, queue, nodes, client, trace);
        }

        SimulationResult execute() {
            try {
                nodes.forEach(SimNode::start);
                client.start();
                if (options.faults()) {
                    nemesis.start();
                }
                membership.start();
                queue.at(options.faultPhaseMillis(), this::endFaultPhase);
                while (!probe.satisfied()) {
                    if (!queue.runNext(Long.MAX_VALUE)) {
                        throw new IllegalStateException("nothing left to simulate");
                    }
                }
            } catch (SimulationFailure f) {
                throw f.in(context());
            } catch (RuntimeException e) {
                // The protocol refusing an input (or a simulator invariant breaking) ends the run like a violation.
                throw new SafetyViolation("No unexpected exception", e + " escaped during the run", e).in(context());
            }
            return result();
        }

        private void endFaultPhase() {
            client.stop();
            nemesis.stop();
            membership.stop();
            probe.start();
        }

        private void deliver(Message m) {
            nodes.get(Integer.parseInt(m.to(), 1, m.to().length(), 10) - 1).receive(m);
        }

        private void deliverSnapshot(Message.InstallSnapshot m, SimSnapshot data) {
            nodes.get(Integer.parseInt(m.to(), 1, m.to().length(), 10) - 1).receiveSnapshot(m, data);
        }

        private SimulationFailure.RunContext context() {
            return new SimulationFailure.RunContext(options.seed(), options.clusterSize(), options.summary(),
                    queue.now(), queue.executed(), trace.milestoneLines(),
                    trace.recentLines() + "servers now: " + nodes + "\n");
        }

        private SimulationResult result() {
            int elections = invariants.elections();
            long crashes = 0;
            long readsServed = 0;
            long malformed = 0;
            long snapshotsTaken = 0;
            long snapshotsSent = 0;
            long snapshotsInstalled = 0;
            long compactions = 0;
            long fetches = 0;
            for (SimNode n : nodes) {
                SimNodeCounts c = n.counts();
                fetches += c.fetches();
                crashes += c.crashes();
                readsServed += c.readsServed();
                malformed += n.malformedDropped();
                snapshotsTaken += c.snapshotsTaken();
                snapshotsSent += c.snapshotsSent();
                snapshotsInstalled += c.snapshotsInstalled();
                compactions += c.compactions();
            }
            return new SimulationResult(options.seed(), options.clusterSize(), queue.now(), queue.executed(),
                    trace.hash(), stateHash(), elections, Math.max(0, elections - 1), nemesis.episodes(), crashes,
                    invariants.highestCommitted(), client.proposalsAccepted(), readsServed, network.sent(),
                    network.lost(), malformed, snapshotsTaken, snapshotsSent, snapshotsInstalled, compactions,
                    membership.changes(), membership.leaderRemovals(), membership.refused(), membership.transfers(),
                    membership.transfersWon(), fetches);
        }

        private long stateHash() {
            long h = 17;
            for (SimNode n : nodes) {
                HardState hs = n.disk().hardState();
                h = 31 * h + hs.currentTerm();
                h = 31 * h + Objects.hashCode(hs.votedFor());
                SimDurableLog log = n.disk().log();
                h = 31 * h + log.snapshotIndex();
                h = 31 * h + log.hash(log.snapshotIndex());
                for (long i = log.snapshotIndex() + 1; i <= log.lastIndex(); i++) {
                    LogEntry e = log.entry(i);
                    h = 31 * h + e.term();
                    h = 31 * h + Arrays.hashCode(e.payload());
                }
            }
            return h;
        }
    }
}
