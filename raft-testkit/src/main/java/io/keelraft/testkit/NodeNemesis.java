package io.keelraft.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The fault schedule of the real-node simulation: one episode at a time — a crash and restart (of the leader
 * half the time, sometimes of several servers at once), a partition (the leader's side or a random one), a
 * one-way cut, a burst of message loss, or a stalled disk — then a calm stretch. {@link #stop()} heals
 * everything and restarts every server that is down.
 */
final class NodeNemesis {

    /** What the nemesis may do to the servers. */
    interface Cluster {
        List<String> ids();

        /** The current leader's id, or null. */
        String leader();

        boolean isUp(String id);

        void crash(String id);

        void restart(String id);

        void stallDisk(String id, boolean stalled);
    }

    private final SimulationOptions options;
    private final EventQueue queue;
    private final SplittableRandom random;
    private final SimNetwork network;
    private final Cluster cluster;
    private final EventTrace trace;
    private boolean stopped;
    private long episodes;
    /** Undoes the current episode early when the fault phase ends. */
    private Runnable undo = () -> { };

    NodeNemesis(SimulationOptions options, EventQueue queue, SplittableRandom random, SimNetwork network,
                Cluster cluster, EventTrace trace) {
        this.options = options;
        this.queue = queue;
        this.random = random;
        this.network = network;
        this.cluster = cluster;
        this.trace = trace;
    }

    void start() {
        queue.after(random.nextLong(100, options.maxCalmMillis() + 1), this::episode);
    }

    long episodes() {
        return episodes;
    }

    /** Ends the fault phase: heals the network and disks and restarts every server that is down. */
    void stop() {
        stopped = true;
        undo.run();
        network.heal();
        for (String id : cluster.ids()) {
            cluster.stallDisk(id, false);
            if (!cluster.isUp(id)) {
                cluster.restart(id);
            }
        }
    }

    private void episode() {
        if (stopped) {
            return;
        }
        episodes++;
        long length = random.nextLong(50, options.maxFaultEpisodeMillis() + 1);
        String target = random.nextBoolean() && cluster.leader() != null ? cluster.leader() : any();
        switch (random.nextInt(7)) {
            case 0, 1 -> crash(List.of(target), length);
            case 2 -> crash(minorityOrMore(), length);
            case 3 -> {
                List<String> side = random.nextBoolean() ? List.of(target) : minorityOrMore();
                network.partition(side);
                end(length, network::heal);
            }
            case 4 -> {
                String other = any();
                if (!other.equals(target)) {
                    network.cutOneWay(target, other);
                }
                end(length, network::heal);
            }
            case 5 -> {
                network.lossProbability(0.2 + random.nextDouble() * 0.5);
                end(length, network::heal);
            }
            default -> {
                cluster.stallDisk(target, true);
                trace.milestone(queue.now(), target, "disk stalled", null);
                end(length, () -> cluster.stallDisk(target, false));
            }
        }
    }

    private void crash(List<String> victims, long downMillis) {
        List<String> crashed = new ArrayList<>();
        for (String id : victims) {
            if (cluster.isUp(id)) {
                cluster.crash(id);
                crashed.add(id);
            }
        }
        end(downMillis, () -> crashed.forEach(id -> {
            if (!cluster.isUp(id)) {
                cluster.restart(id);
            }
        }));
    }

    /** Runs {@code heal} after {@code millis} (or at stop), then schedules the next episode after a calm. */
    private void end(long millis, Runnable heal) {
        boolean[] done = {false};
        Runnable once = () -> {
            if (!done[0]) {
                done[0] = true;
                heal.run();
            }
        };
        undo = once;
        queue.after(millis, () -> {
            if (!stopped) {
                once.run();
                queue.after(random.nextLong(0, options.maxCalmMillis() + 1), this::episode);
            }
        });
    }

    private String any() {
        return cluster.ids().get(random.nextInt(cluster.ids().size()));
    }

    /** A random set of one server up to a bare majority (so a majority may be down or cut off for a while). */
    private List<String> minorityOrMore() {
        List<String> ids = new ArrayList<>(cluster.ids());
        int n = 1 + random.nextInt(ids.size() / 2 + 1);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(ids.remove(random.nextInt(ids.size())));
        }
        return out;
    }
}
