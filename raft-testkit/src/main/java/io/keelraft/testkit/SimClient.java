package io.keelraft.testkit;

import io.keelraft.core.protocol.ProposeResult;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The cluster's clients, as one: at random intervals (with quiet stretches now and then) it proposes a command
 * with a unique payload, and starts a linearizable read — by ReadIndex (thesis §6.4), or under the leader's
 * lease (§6.4.1) when CheckQuorum is on — each at the server it believes is leader, following the leader hints
 * of refusals and trying a random server when it has none.
 */
final class SimClient {

    private final SimulationOptions options;
    private final EventQueue queue;
    private final SplittableRandom random;
    private final List<SimNode> nodes;
    private final Invariants invariants;
    private final EventTrace trace;
    private String leaderGuess;
    private boolean stopped;
    private long commands;
    private long proposalsAccepted;
    private long nextReadId = 1;

    SimClient(SimulationOptions options, EventQueue queue, SplittableRandom random, List<SimNode> nodes,
              Invariants invariants, EventTrace trace) {
        this.options = options;
        this.queue = queue;
        this.random = random;
        this.nodes = nodes;
        this.invariants = invariants;
        this.trace = trace;
    }

    void start() {
        queue.after(interval(options.proposeEveryMillis()), this::propose);
        queue.after(interval(options.readEveryMillis()), this::read);
    }

    void stop() {
        stopped = true;
    }

    long proposalsAccepted() {
        return proposalsAccepted;
    }

    /** A fresh, unique command payload. */
    byte[] nextCommand() {
        return ("c" + ++commands).getBytes(StandardCharsets.UTF_8);
    }

    private void propose() {
        if (stopped) {
            return;
        }
        SimNode target = target();
        if (target.isUp()) {
            byte[] command = nextCommand();
            ProposeResult result = target.propose(command);
            if (result.accepted()) {
                proposalsAccepted++;
                trace.record(queue.now(), target.id(), "propose", "c" + commands + " -> " + result.index() + "@"
                        + result.term());
            } else {
                leaderGuess = result.leaderHint();
            }
        } else {
            leaderGuess = null;
        }
        long pause = interval(options.proposeEveryMillis());
        if (random.nextInt(20) == 0) {
            // Now and then the writers fall quiet for a while, so that logs stop moving: some histories (a
            // restarted follower voting for a server that is up to date again) need a write-free stretch.
            pause += random.nextLong(5L * options.proposeEveryMillis(), 40L * options.proposeEveryMillis());
        }
        queue.after(pause, this::propose);
    }

    private void read() {
        if (stopped) {
            return;
        }
        SimNode target = target();
        if (target.isUp()) {
            long id = nextReadId++;
            // Lease reads (thesis §6.4.1) rely on CheckQuorum; with it, half the reads use the lease.
            boolean lease = options.checkQuorum() && random.nextBoolean();
            // The requirement is fixed before the read starts, as it may be confirmed at once.
            invariants.readIssued(id, lease ? "lease" : "ReadIndex");
            if (lease ? target.readWithLease(id) : target.read(id)) {
                trace.record(queue.now(), target.id(), lease ? "lease read issued" : "read issued", "r" + id);
            } else {
                invariants.readAbandoned(id);
                leaderGuess = target.protocol() == null ? null : target.protocol().leaderId();
            }
        } else {
            leaderGuess = null;
        }
        queue.after(interval(options.readEveryMillis()), this::read);
    }

    private SimNode target() {
        if (leaderGuess != null) {
            for (SimNode n : nodes) {
                if (n.id().equals(leaderGuess)) {
                    return n;
                }
            }
        }
        return nodes.get(random.nextInt(nodes.size()));
    }

    private long interval(long mean) {
        return random.nextLong(1, 2 * mean);
    }
}
