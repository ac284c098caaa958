package io.keelraft.testkit;

import io.keelraft.core.protocol.Message;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * An unreliable network in virtual time: every message gets its own random delay (so messages overtake one
 * another), may be lost or delivered twice, and is dropped at once when its link is cut. Links are cut one
 * way at a time, which covers full partitions, one-way partitions and isolated servers alike.
 */
final class SimNetwork {

    private final SimulationOptions options;
    private final EventQueue queue;
    private final SplittableRandom random;
    private final EventTrace trace;
    private final Consumer<Message> deliver;
    private final BiConsumer<Message.InstallSnapshot, SimSnapshot> deliverSnapshot;
    private final List<String> ids;
    /** blocked[from][to]: messages from server {@code from} to server {@code to} are dropped. */
    private final boolean[][] blocked;
    private double lossProbability;
    private long sent;
    private long lost;

    SimNetwork(SimulationOptions options, List<String> ids, EventQueue queue, SplittableRandom random,
               EventTrace trace, Consumer<Message> deliver) {
        this(options, ids, queue, random, trace, deliver, (m, s) -> deliver.accept(m));
    }

    SimNetwork(SimulationOptions options, List<String> ids, EventQueue queue, SplittableRandom random,
               EventTrace trace, Consumer<Message> deliver,
               BiConsumer<Message.InstallSnapshot, SimSnapshot> deliverSnapshot) {
        this.options = options;
        this.ids = List.copyOf(ids);
        this.queue = queue;
        this.random = random;
        this.trace = trace;
        this.deliver = deliver;
        this.deliverSnapshot = deliverSnapshot;
        this.blocked = new boolean[ids.size()][ids.size()];
        this.lossProbability = options.lossProbability();
    }

    /** Sends {@code m}; the receiver gets it (or not) after a random delay. */
    void send(Message m) {
        carry(m.from(), m.to(), m, true, () -> deliver.accept(m));
    }

    /**
     * Sends {@code m} with the snapshot's bytes, {@code data}, like any message (delay, loss, duplication).
     *
     * @return false when it is lost on the way
     */
    boolean sendSnapshot(Message.InstallSnapshot m, SimSnapshot data) {
        return carry(m.from(), m.to(), m, true, () -> deliverSnapshot.accept(m, data));
    }

    /**
     * Carries any packet from {@code from} to {@code to}: {@code delivery} runs after a random delay, unless the
     * link is cut or the packet is lost. {@code mayDuplicate} is false for traffic a real transport never
     * duplicates (request/response over one connection).
     *
     * @return false when the packet is lost (cut link or random loss)
     */
    boolean carry(String from, String to, Object what, boolean mayDuplicate, Runnable delivery) {
        sent++;
        if (blocked[indexOf(from)][indexOf(to)]) {
            lost++;
            trace.record(queue.now(), from, "cut", what);
            return false;
        }
        if (random.nextDouble() < lossProbability) {
            lost++;
            trace.record(queue.now(), from, "lost", what);
            return false;
        }
        schedule(delivery);
        if (mayDuplicate && random.nextDouble() < options.duplicateProbability()) {
            schedule(delivery);
        }
        return true;
    }

    private void schedule(Runnable delivery) {
        long delay = random.nextDouble() < options.slowMessageProbability()
                ? random.nextLong(options.maxMessageDelayMillis(), options.maxSlowMessageDelayMillis() + 1)
                : random.nextLong(options.minMessageDelayMillis(), options.maxMessageDelayMillis() + 1);
        queue.after(delay, delivery);
    }

    /** Cuts every link between {@code side} and the other servers, both ways. */
    void partition(Collection<String> side) {
        for (String a : ids) {
            for (String b : ids) {
                if (side.contains(a) != side.contains(b)) {
                    blocked[indexOf(a)][indexOf(b)] = true;
                }
            }
        }
        trace.milestone(queue.now(), null, "partition", side + " | rest");
    }

    /** Cuts the link from {@code from} to {@code to} only; the other direction keeps working. */
    void cutOneWay(String from, String to) {
        blocked[indexOf(from)][indexOf(to)] = true;
        trace.milestone(queue.now(), null, "cut one way", from + " -> " + to);
    }

    /** Cuts every link to and from {@code id}. */
    void isolate(String id) {
        partition(List.of(id));
    }

    /** Restores every link to and from {@code id}. */
    void reconnect(String id) {
        int i = indexOf(id);
        for (int j = 0; j < blocked.length; j++) {
            blocked[i][j] = false;
            blocked[j][i] = false;
        }
        trace.milestone(queue.now(), id, "reconnected", null);
    }

    /** Sets the loss probability, e.g. for a burst of loss. */
    void lossProbability(double p) {
        this.lossProbability = p;
        trace.milestone(queue.now(), null, "loss probability", p);
    }

    /** Restores every link and the normal loss probability. */
    void heal() {
        for (boolean[] row : blocked) {
            Arrays.fill(row, false);
        }
        lossProbability = options.lossProbability();
        trace.milestone(queue.now(), null, "network healed", null);
    }

    /** Messages handed to the network so far. */
    long sent() {
        return sent;
    }

    /** Messages lost to cut links or random loss (duplicates not counted). */
    long lost() {
        return lost;
    }

    private int indexOf(String id) {
        // Servers are named n1..nN (see Simulation), so the index is in the name.
        return Integer.parseInt(id, 1, id.length(), 10) - 1;
    }
}
