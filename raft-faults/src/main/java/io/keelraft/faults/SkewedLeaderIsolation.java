package io.keelraft.faults;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The clock fault that can matter: a leader whose clock runs at another rate is cut off from the others while
 * clients still reach it. A skew alone changes no leadership (heartbeats come far more often than any election
 * timeout); a leader cut off is where a lease read would trust its own clock (thesis §6.4.1): it answers from
 * memory until its lease ends by its clock, while the others elect a new leader once their election timeout ends
 * by theirs. A slow leader's lease outlives the real time the others wait. ReadIndex reads must stay linearizable
 * whatever the rate.
 *
 * <p>The step restarts the leader with a skewed clock ({@link ClockSkew}), hands leadership back to it
 * (RAFT.TRANSFER), then isolates it in both directions; healing heals the network and restarts it with a normal
 * clock.
 */
final class SkewedLeaderIsolation {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final KvCluster cluster;
    private final NetworkFaults network;
    private final FaultLog log;

    SkewedLeaderIsolation(KvCluster cluster, NetworkFaults network, FaultLog log) {
        this.cluster = cluster;
        this.network = network;
        this.log = log;
    }

    /** Injects; returns what heals it, or null (and a skip in the log) when there is no leader to skew. */
    Runnable inject(FaultStep step, double rate) {
        Optional<String> leader = cluster.leader();
        if (leader.isEmpty()) {
            log.skipped(step.kind(), "no leader to skew");
            return null;
        }
        String target = leader.get();
        Runnable normalClock = ClockSkew.inject(cluster, log, step, target, rate);
        Runnable healer = () -> {
            log.note(step + ": heal the network");
            network.heal();
            normalClock.run();
        };
        // It lost leadership by its restart: give it back, so that the skewed server is the one cut off as leader.
        boolean leads = Poll.until(() -> transferTo(target), WAIT, Duration.ofMillis(300));
        log.note(step + ": " + target + (leads ? " leads again (its clock at x" + rate + ")"
                : " did not become leader again within " + WAIT.toSeconds() + " s: isolated as a follower"));
        List<String> ids = cluster.baseNodes().stream().map(KvCluster.Node::id).toList();
        Partition p = Partition.isolate(target, ids);
        log.note(step + ": partition " + p);
        try {
            network.apply(p);
        } catch (RuntimeException e) {
            healer.run();
            throw e;
        }
        return healer;
    }

    /** True once {@code target} leads; otherwise asks the leader, if any, to transfer to it. */
    private boolean transferTo(String target) {
        Optional<String> leader = cluster.leader();
        if (leader.isEmpty()) {
            return false;
        }
        if (leader.get().equals(target)) {
            return true;
        }
        try {
            cluster.call(leader.get(), 5_000, "RAFT.TRANSFER", target);
        } catch (IOException e) {
            // asked again at the next poll
        }
        return false;
    }
}
