package io.keelraft.testkit;

import io.keelraft.core.RaftNode;
import io.keelraft.core.ClusterConfiguration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Membership actions through the public {@link RaftNode} API, drawn from the run's seed and interleaved with the
 * {@link NodeNemesis}'s faults and the clients' traffic (thesis chapter 4, §3.10): at random moments the current
 * leader is asked to {@code addVoter} (learner, catch-up, promotion), {@code addLearner}, {@code promote},
 * {@code removeServer} (itself included), {@code transferLeadership}, or {@code changeMembership} to an
 * arbitrary configuration. Servers come from the initial cluster and spares started with
 * {@link RaftNode.Builder#joining()}. Requests may overlap, fail or time out: refusals and failures are counted,
 * and only the run's checks (safety as servers apply, linearizability, convergence of the final members) decide.
 */
final class NodeMembershipNemesis {

    /** What the nemesis needs from the run. */
    interface Cluster {
        /** Every server, spares included. */
        List<String> ids();

        /** The live leader of the highest term, or null. */
        RaftNode leaderNode();

        /** False once {@code node}'s incarnation crashed: its pending requests will never be answered. */
        boolean live(RaftNode node);
    }

    /** What the membership actions did in one run. */
    record Counts(long requested, long completed, long failed, long leaderRemovals, long transfers,
                  long transfersCompleted) {
    }

    private final long everyMillis;
    private final EventQueue queue;
    private final SplittableRandom random;
    private final Cluster cluster;
    private final EventTrace trace;
    private boolean stopped;
    private long requested;
    private long completed;
    private long failed;
    private long leaderRemovals;
    private long transfers;
    private long transfersCompleted;
    /** Requests not answered yet, by the incarnation asked: they may still change the configuration. */
    private final Map<CompletableFuture<?>, RaftNode> outstanding = new HashMap<>();

    NodeMembershipNemesis(long everyMillis, EventQueue queue, SplittableRandom random, Cluster cluster,
                          EventTrace trace) {
        this.everyMillis = everyMillis;
        this.queue = queue;
        this.random = random;
        this.cluster = cluster;
        this.trace = trace;
    }

    void start() {
        if (everyMillis > 0) {
            queue.after(pause(), this::act);
        }
    }

    void stop() {
        stopped = true;
    }

    /**
     * True once every request made has been answered (completed, refused, aborted or timed out) or went down
     * with the incarnation asked (what it had started, e.g. a learner added, stays as it is).
     */
    boolean idle() {
        return outstanding.values().stream().noneMatch(cluster::live);
    }

    Counts counts() {
        return new Counts(requested, completed, failed, leaderRemovals, transfers, transfersCompleted);
    }

    private void act() {
        if (stopped) {
            return;
        }
        RaftNode leader = cluster.leaderNode();
        if (leader != null) {
            int choice = random.nextInt(6);
            leader.configuration().thenAccept(c -> {
                if (!stopped) {
                    request(leader, c, choice);
                }
            });
        }
        queue.after(pause(), this::act);
    }

    private void request(RaftNode leader, ClusterConfiguration c, int choice) {
        List<String> outsiders = new ArrayList<>();
        for (String id : cluster.ids()) {
            if (!c.members().contains(id)) {
                outsiders.add(id);
            }
        }
        List<String> otherVoters = new ArrayList<>(c.voters());
        otherVoters.remove(leader.id());
        String what;
        CompletableFuture<?> result;
        switch (choice) {
            case 0 -> {
                if (outsiders.isEmpty()) {
                    return;
                }
                String x = pick(outsiders);
                what = "addVoter " + x;
                result = leader.addVoter(x, address(x));
            }
            case 1 -> {
                if (outsiders.isEmpty()) {
                    return;
                }
                String x = pick(outsiders);
                what = "addLearner " + x;
                result = leader.addLearner(x, address(x));
            }
            case 2 -> {
                if (c.learners().isEmpty()) {
                    return;
                }
                String x = pick(new ArrayList<>(c.learners()));
                what = "promote " + x;
                result = leader.promote(x);
            }
            case 3 -> {
                String x = random.nextBoolean() ? leader.id() : pick(new ArrayList<>(c.members()));
                if (x.equals(leader.id()) && c.voters().contains(x)) {
                    leaderRemovals++;
                }
                what = "removeServer " + x;
                result = leader.removeServer(x);
            }
            case 4 -> {
                if (otherVoters.isEmpty()) {
                    return;
                }
                String x = pick(otherVoters);
                what = "transferLeadership " + x;
                transfers++;
                result = leader.transferLeadership(x).thenRun(() -> transfersCompleted++);
            }
            default -> {
                ClusterConfiguration target = arbitrary(leader.id());
                if (!target.voters().contains(leader.id())) {
                    leaderRemovals++;
                }
                what = "changeMembership voters " + target.voters() + " learners " + target.learners();
                result = leader.changeMembership(target);
            }
        }
        requested++;
        outstanding.put(result, leader);
        trace.milestone(queue.now(), leader.id(), "membership request", what);
        String kind = what.substring(0, what.indexOf(' ') < 0 ? what.length() : what.indexOf(' '));
        result.whenComplete((r, e) -> {
            FutureLanes.completed(kind);
            outstanding.remove(result);
            if (e == null) {
                completed++;
                trace.milestone(queue.now(), leader.id(), "membership done", what);
            } else {
                failed++;
                trace.record(queue.now(), leader.id(), "membership failed", what + ": " + e);
            }
        });
    }

    /** Up to five voters and some learners out of every server; never without a voter. */
    private ClusterConfiguration arbitrary(String leader) {
        Set<String> voters = new TreeSet<>();
        Set<String> learners = new TreeSet<>();
        for (String id : cluster.ids()) {
            int r = random.nextInt(3);
            if (r == 0 && voters.size() < 5) {
                voters.add(id);
            } else if (r == 1) {
                learners.add(id);
            }
        }
        if (voters.isEmpty()) {
            voters.add(leader);
            learners.remove(leader);
        }
        return new ClusterConfiguration(voters, learners, Set.of(), addresses(voters, learners));
    }

    private static Map<String, String> addresses(Set<String> voters, Set<String> learners) {
        Map<String, String> out = new TreeMap<>();
        voters.forEach(v -> out.put(v, address(v)));
        learners.forEach(l -> out.put(l, address(l)));
        return out;
    }

    /** The simulated network reaches servers by id; the address only has to be well formed. */
    static String address(String id) {
        return "sim:" + id.substring(1);
    }

    private String pick(List<String> from) {
        return from.get(random.nextInt(from.size()));
    }

    private long pause() {
        return random.nextLong(1, 2 * everyMillis + 1);
    }
}
