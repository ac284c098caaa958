package io.keelraft.testkit;

import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.protocol.ProposeResult;
import java.util.ArrayList;
import java.util.List;

/**
 * The end-of-run liveness check. With the network healed, every server up and faults stopped, a leader must
 * be elected within {@link SimulationOptions#leaderWithinMillis()}, and fresh commands proposed to the leader
 * must then be applied on every server within {@link SimulationOptions#commitWithinMillis()}. A command whose
 * entry is lost in a leader change (allowed, paper §5.3) is proposed again to the new leader.
 */
final class LivenessProbe {

    static final String PROPERTY = "Liveness";

    /** One fresh command and where the leader last put it. */
    private static final class Command {
        final byte[] payload;
        long index;
        long term;

        Command(byte[] payload) {
            this.payload = payload;
        }
    }

    private final SimulationOptions options;
    private final EventQueue queue;
    private final List<SimNode> nodes;
    private final SimClient client;
    private final EventTrace trace;
    private final List<Command> commands = new ArrayList<>();
    private long startedAt = -1;
    private long leaderElectedAt = -1;
    private boolean satisfied;
    /** The servers of the leader's configuration: those that must apply the fresh commands. */
    private java.util.Set<String> members = java.util.Set.of();

    LivenessProbe(SimulationOptions options, EventQueue queue, List<SimNode> nodes, SimClient client,
                  EventTrace trace) {
        this.options = options;
        this.queue = queue;
        this.nodes = nodes;
        this.client = client;
        this.trace = trace;
    }

    /** Starts checking; call once faults have stopped and every server is up. */
    void start() {
        startedAt = queue.now();
        for (int i = 0; i < options.livenessProposals(); i++) {
            commands.add(new Command(client.nextCommand()));
        }
        trace.milestone(queue.now(), null, "liveness check starts", options.livenessProposals() + " commands");
        poll();
    }

    /** True once every command is applied on every server. */
    boolean satisfied() {
        return satisfied;
    }

    private void poll() {
        SimNode leader = SimNodes.leaderOf(nodes);
        if (leaderElectedAt < 0) {
            if (leader == null) {
                if (queue.now() - startedAt > options.leaderWithinMillis()) {
                    throw new LivenessViolation(PROPERTY, "no leader within " + options.leaderWithinMillis()
                            + " ms after the faults stopped; servers: " + nodes + "; configurations: " + configurations());
                }
                queue.after(options.tickMillis(), this::poll);
                return;
            }
            leaderElectedAt = queue.now();
        }
        if (leader != null) {
            members = leader.protocol().configuration().members();
        }
        boolean all = true;
        for (Command c : commands) {
            if (!appliedEverywhere(c)) {
                all = false;
                if (leader != null && c.term != leader.protocol().currentTerm()) {
                    propose(leader, c);
                }
            }
        }
        if (all) {
            satisfied = true;
            trace.milestone(queue.now(), null, "liveness check passed", null);
            return;
        }
        if (queue.now() - leaderElectedAt > options.commitWithinMillis()) {
            throw new LivenessViolation(PROPERTY, "fresh commands not applied on every server within "
                    + options.commitWithinMillis() + " ms after a leader was elected; servers: " + nodes
                    + "; configurations: " + configurations());
        }
        queue.after(options.tickMillis(), this::poll);
    }

    private void propose(SimNode leader, Command c) {
        ProposeResult r = leader.propose(c.payload);
        if (r.accepted()) {
            c.index = r.index();
            c.term = r.term();
            trace.record(queue.now(), leader.id(), "liveness propose", c.index + "@" + c.term);
        }
    }

    private boolean appliedEverywhere(Command c) {
        if (c.index == 0) {
            return false;
        }
        for (SimNode n : nodes) {
            if (!members.contains(n.id())) {
                continue; // a spare never added, or a removed server: it receives nothing more
            }
            LogEntry e = n.isUp() ? n.stateMachine().entry(c.index) : null;
            if (e == null || e.term() != c.term) {
                return false;
            }
        }
        return true;
    }

    private String configurations() {
        StringBuilder b = new StringBuilder();
        for (SimNode n : nodes) {
            if (n.isUp()) {
                var c = n.protocol().configuration();
                b.append(n.id()).append(": voters ").append(c.voters()).append(c.isJoint() ? " outgoing "
                        + c.outgoingVoters() : "").append(" learners ").append(c.learners()).append(" at ")
                        .append(n.protocol().configurationIndex()).append(n.protocol().configurationCommitted()
                        ? " committed" : "").append("; ");
            }
        }
        return b.toString();
    }
}
