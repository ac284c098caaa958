package io.keelraft.testkit;

import io.keelraft.core.protocol.ProposeResult;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The cluster's clients, as one: at random intervals it proposes a command with a unique payload, and starts a
 * linearizable read, each at the server it believes is leader (following the leader hints of refusals, and
 * trying a random server when it has none).
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
        queue.after(interval(options.proposeEveryMillis()), this::propose);
    }

    private void read() {
        if (stopped) {
            return;
        }
        SimNode target = target();
        if (target.isUp()) {
            long id = nextReadId++;
            // The requirement is fixed before the read starts: a one-server cluster may confirm it at once.
            invariants.readIssued(id);
            if (target.read(id)) {
                trace.record(queue.now(), target.id(), "read issued", "r" + id);
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
