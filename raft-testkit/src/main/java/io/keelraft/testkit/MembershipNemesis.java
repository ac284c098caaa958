package io.keelraft.testkit;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.RaftProtocol;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Membership actions drawn from the run's seed (thesis chapter 4, §3.10), interleaved with the {@link Nemesis}'s
 * faults and the clients' traffic: at random moments the current leader is asked to add a learner, promote a
 * learner, demote or remove a server (the leader itself included), replace a voter, move to an arbitrary
 * configuration, or transfer leadership. Servers come from the initial cluster and a pool of spares that start
 * with no configuration. Requests the protocol refuses (one change at a time, a transfer in progress) are
 * counted and otherwise ignored: they must leave the configuration unchanged.
 */
final class MembershipNemesis {

    private final SimulationOptions options;
    private final EventQueue queue;
    private final SplittableRandom random;
    private final List<SimNode> nodes;
    private final EventTrace trace;
    private boolean stopped;
    private long changes;
    private long leaderRemovals;
    private long refused;
    private long transfers;
    private long transfersWon;
    /** The target of the latest transfer and the term it was asked in, to see whether it won. */
    private String transferTarget;
    private long transferTerm;

    MembershipNemesis(SimulationOptions options, EventQueue queue, SplittableRandom random, List<SimNode> nodes,
                      EventTrace trace) {
        this.options = options;
        this.queue = queue;
        this.random = random;
        this.nodes = nodes;
        this.trace = trace;
    }

    void start() {
        if (options.membershipEveryMillis() > 0) {
            queue.after(pause(), this::act);
        }
    }

    void stop() {
        stopped = true;
    }

    /** Configuration changes the leader accepted. */
    long changes() {
        return changes;
    }

    /** Accepted changes that removed (or demoted) the leader that made them. */
    long leaderRemovals() {
        return leaderRemovals;
    }

    /** Requests the protocol refused (a change in progress, a transfer in progress). */
    long refused() {
        return refused;
    }

    /** Leadership transfers started. */
    long transfers() {
        return transfers;
    }

    /** Transfers whose target became the next leader. */
    long transfersWon() {
        return transfersWon;
    }

    /** A server became leader. */
    void elected(SimNode leader) {
        if (transferTarget != null) {
            if (leader.id().equals(transferTarget) && leader.protocol().currentTerm() == transferTerm + 1) {
                transfersWon++;
            }
            transferTarget = null;
        }
    }

    private void act() {
        if (stopped) {
            return;
        }
        SimNode leader = SimNodes.leaderOf(nodes);
        if (leader != null) {
            try {
                if (random.nextInt(4) == 0) {
                    transfer(leader);
                } else {
                    change(leader);
                }
            } catch (IllegalStateException expected) {
                refused++;
                trace.record(queue.now(), leader.id(), "membership refused", expected.getMessage());
            }
        }
        queue.after(pause(), this::act);
    }

    private void transfer(SimNode leader) {
        RaftProtocol p = leader.protocol();
        List<String> candidates = new ArrayList<>(p.configuration().voters());
        candidates.remove(leader.id());
        if (candidates.isEmpty()) {
            return;
        }
        String target = candidates.get(random.nextInt(candidates.size()));
        if (leader.transferLeadership(target)) {
            transfers++;
            transferTarget = target;
            transferTerm = p.currentTerm();
            trace.milestone(queue.now(), leader.id(), "transfer leadership", "to " + target);
        }
    }

    private void change(SimNode leader) {
        ClusterConfiguration c = leader.protocol().configuration();
        Set<String> voters = new TreeSet<>(c.voters());
        Set<String> learners = new TreeSet<>(c.learners());
        List<String> outsiders = new ArrayList<>();
        for (SimNode n : nodes) {
            if (!c.members().contains(n.id())) {
                outsiders.add(n.id());
            }
        }
        String what;
        switch (random.nextInt(6)) {
            case 0 -> {
                if (outsiders.isEmpty()) {
                    return;
                }
                String x = pick(outsiders);
                learners.add(x);
                what = "add learner " + x;
            }
            case 1 -> {
                if (learners.isEmpty()) {
                    return;
                }
                String x = pick(new ArrayList<>(learners));
                learners.remove(x);
                voters.add(x);
                what = "promote " + x;
            }
            case 2 -> {
                List<String> members = new ArrayList<>(c.members());
                String x = random.nextBoolean() ? leader.id() : pick(members);
                voters.remove(x);
                learners.remove(x);
                if (voters.isEmpty()) {
                    return;
                }
                what = "remove " + x;
            }
            case 3 -> {
                List<String> candidates = new ArrayList<>(outsiders);
                candidates.addAll(learners);
                if (candidates.isEmpty()) {
                    return;
                }
                String out = random.nextBoolean() ? leader.id() : pick(new ArrayList<>(voters));
                String in = pick(candidates);
                voters.remove(out);
                learners.remove(in);
                voters.add(in);
                what = "replace " + out + " by " + in;
            }
            case 4 -> {
                String x = pick(new ArrayList<>(voters));
                voters.remove(x);
                if (voters.isEmpty()) {
                    return;
                }
                learners.add(x);
                what = "demote " + x;
            }
            default -> {
                voters.clear();
                learners.clear();
                for (SimNode n : nodes) {
                    int r = random.nextInt(3);
                    if (r == 0 && voters.size() < 5) {
                        voters.add(n.id());
                    } else if (r == 1) {
                        learners.add(n.id());
                    }
                }
                if (voters.isEmpty()) {
                    voters.add(leader.id());
                    learners.remove(leader.id());
                }
                what = "arbitrary change";
            }
        }
        if (voters.equals(c.voters()) && learners.equals(c.learners())) {
            return;
        }
        ClusterConfiguration target = new ClusterConfiguration(voters, learners, Set.of(),
                Map.of(pick(new ArrayList<>(voters)), "sim:" + random.nextInt(1000)));
        if (leader.changeConfiguration(target)) {
            changes++;
            if (!voters.contains(leader.id())) {
                leaderRemovals++;
            }
            trace.milestone(queue.now(), leader.id(), "membership change", what + ": voters " + voters
                    + " learners " + learners);
        }
    }

    private String pick(List<String> from) {
        return from.get(random.nextInt(from.size()));
    }

    private long pause() {
        return random.nextLong(1, 2 * options.membershipEveryMillis() + 1);
    }
}
