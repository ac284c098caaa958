package io.keelraft.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A fault episode that steers the cluster into the shape of paper Figure 8, the one history where a leader
 * that commits an entry of an earlier term by counting replicas loses a committed entry:
 * <ol>
 *   <li>the leader L is cut off while clients still send it commands, so its log grows a tail nobody else
 *       has; then it crashes and the network heals;</li>
 *   <li>the others elect a leader C, which is cut off (with a minority) the moment it wins, so its new entries
 *       of a later term stay in that minority; L restarts, with a slow disk, in the majority;</li>
 *   <li>L, whose log is the longest in the majority, is elected again; its own write of the new term's first
 *       entry is slow, so its followers' copies are counted first; L crashes as soon as it commits anything
 *       (or soon anyway), before its write completes;</li>
 *   <li>the network heals and C, whose last term is later than L's tail, may win the next election with L's
 *       vote — and would overwrite L's tail, which a correct leader never counted as committed.</li>
 * </ol>
 * Every step is ordinary faults (cuts, crashes, a slow disk) timed by elections and commits; a correct
 * protocol keeps every property through it.
 */
final class Figure8Scenario {

    private enum Step { IDLE, OLD_LEADER_CUT_OFF, AWAIT_NEW_LEADER, AWAIT_OLD_LEADER, OLD_LEADER_LEADS }

    private final SimulationOptions options;
    private final EventQueue queue;
    private final SplittableRandom random;
    private final SimNetwork network;
    private final List<SimNode> nodes;
    private final EventTrace trace;
    private Step step = Step.IDLE;
    private SimNode oldLeader;
    /** Bumped by every (re)start of the scenario, so that timers of an abandoned run do nothing. */
    private int attempt;

    Figure8Scenario(SimulationOptions options, EventQueue queue, SplittableRandom random, SimNetwork network,
                    List<SimNode> nodes, EventTrace trace) {
        this.options = options;
        this.queue = queue;
        this.random = random;
        this.network = network;
        this.nodes = nodes;
        this.trace = trace;
    }

    /** Starts the scenario from the current leader; does nothing when there is none. */
    void begin() {
        SimNode leader = SimNodes.leaderOf(nodes);
        if (leader == null) {
            return;
        }
        attempt++;
        oldLeader = leader;
        step = Step.OLD_LEADER_CUT_OFF;
        trace.milestone(queue.now(), leader.id(), "figure 8 scenario begins", null);
        network.isolate(leader.id());
        int run = attempt;
        queue.after(random.nextLong(5L * options.tickMillis(), 20L * options.tickMillis()), () -> {
            if (run == attempt && step == Step.OLD_LEADER_CUT_OFF) {
                oldLeader.crash();
                network.heal();
                step = Step.AWAIT_NEW_LEADER;
            }
        });
    }

    /** Abandons the scenario (the episode ends). */
    void abort() {
        step = Step.IDLE;
        attempt++;
    }

    /** {@code leader} has just won an election, before its first messages as leader leave. */
    void elected(SimNode leader) {
        if (step == Step.AWAIT_NEW_LEADER && leader != oldLeader) {
            cutOffWithMinority(leader);
            oldLeader.disk().stalled(true);
            if (!oldLeader.isUp()) {
                oldLeader.start();
            }
            step = Step.AWAIT_OLD_LEADER;
        } else if (step == Step.AWAIT_OLD_LEADER) {
            if (leader != oldLeader) {
                step = Step.IDLE; // another server of the majority won; the shape is lost
                return;
            }
            step = Step.OLD_LEADER_LEADS;
            int run = attempt;
            queue.after(random.nextLong(1, 10L * options.tickMillis()), () -> {
                if (run == attempt && step == Step.OLD_LEADER_LEADS) {
                    finish();
                }
            });
        }
    }

    /** {@code leader} has just advanced its commitIndex (and applied the new entries). */
    void committed(SimNode leader) {
        if (step == Step.OLD_LEADER_LEADS && leader == oldLeader) {
            finish();
        }
    }

    private void cutOffWithMinority(SimNode newLeader) {
        List<String> side = new ArrayList<>();
        side.add(newLeader.id());
        List<SimNode> others = new ArrayList<>(nodes);
        others.remove(newLeader);
        others.remove(oldLeader);
        int size = (nodes.size() - 1) / 2;
        while (side.size() < size && !others.isEmpty()) {
            side.add(others.remove(random.nextInt(others.size())).id());
        }
        network.partition(side);
    }

    private void finish() {
        step = Step.IDLE;
        SimNode leader = oldLeader;
        leader.crash();
        leader.disk().stalled(false);
        network.heal();
        int run = attempt;
        queue.after(random.nextLong(1, 5L * options.tickMillis()), () -> {
            if (run == attempt && !leader.isUp()) {
                leader.start();
            }
        });
    }
}
