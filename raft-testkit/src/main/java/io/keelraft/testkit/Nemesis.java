package io.keelraft.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The fault schedule, drawn from the run's seed: fault episodes separated by calm periods. An episode starts
 * one or two faults — a partition, a one-way cut, an isolated server, crashes (a quick crash-restart, or a
 * server kept down until the episode ends), a burst of message loss or a stalled disk — and
 * ends by healing the network and disks and restarting the servers it crashed. Most faults aim at the current
 * leader half of the time, so that every run sees several leader changes.
 */
final class Nemesis {

    private enum Fault {
        PARTITION, ONE_WAY, ISOLATE, CRASH, CRASH_RESTART, CRASH_MANY, LOSS_BURST, DISK_STALL
    }

    private static final Fault[] FAULTS = Fault.values();

    private final SimulationOptions options;
    private final EventQueue queue;
    private final SplittableRandom random;
    private final SimNetwork network;
    private final List<SimNode> nodes;
    private final EventTrace trace;
    private boolean stopped;
    private long episodes;

    Nemesis(SimulationOptions options, EventQueue queue, SplittableRandom random, SimNetwork network,
            List<SimNode> nodes, EventTrace trace) {
        this.options = options;
        this.queue = queue;
        this.random = random;
        this.network = network;
        this.nodes = nodes;
        this.trace = trace;
    }

    void start() {
        queue.after(calm(), this::beginEpisode);
    }

    /** Ends all faults for good: heals the network and disks and restarts every crashed server. */
    void stop() {
        stopped = true;
        healAll();
    }

    long episodes() {
        return episodes;
    }

    private void beginEpisode() {
        if (stopped) {
            return;
        }
        episodes++;
        int faults = random.nextInt(4) == 0 ? 2 : 1;
        for (int i = 0; i < faults; i++) {
            inject(FAULTS[random.nextInt(FAULTS.length)]);
        }
        long length = random.nextLong(options.maxFaultEpisodeMillis() / 10, options.maxFaultEpisodeMillis() + 1);
        queue.after(length, this::endEpisode);
    }

    private void endEpisode() {
        if (stopped) {
            return;
        }
        healAll();
        queue.after(calm(), this::beginEpisode);
    }

    private void inject(Fault fault) {
        int n = nodes.size();
        switch (fault) {
            case PARTITION -> {
                List<String> side = new ArrayList<>();
                SimNode leader = SimNode.leaderOf(nodes);
                if (leader != null && random.nextBoolean()) {
                    side.add(leader.id()); // the leader ends up in a minority (or alone)
                }
                for (SimNode node : shuffled()) {
                    if (side.size() < (n - 1) / 2 + (random.nextBoolean() ? 1 : 0) && !side.contains(node.id())) {
                        side.add(node.id());
                    }
                }
                if (!side.isEmpty() && side.size() < n) {
                    network.partition(side);
                }
            }
            case ONE_WAY -> {
                SimNode from = leaderOrRandom();
                for (SimNode to : shuffled()) {
                    if (to != from && random.nextBoolean()) {
                        network.cutOneWay(from.id(), to.id());
                    }
                }
            }
            case ISOLATE -> network.isolate(leaderOrRandom().id());
            case CRASH -> leaderOrRandom().crash();
            case CRASH_RESTART -> {
                SimNode victim = leaderOrRandom();
                victim.crash();
                queue.after(random.nextLong(0, 4L * options.tickMillis()), () -> restart(victim));
            }
            case CRASH_MANY -> {
                for (SimNode node : nodes) {
                    if (random.nextInt(3) != 0) {
                        node.crash();
                    }
                }
            }
            case LOSS_BURST -> network.lossProbability(0.2 + 0.5 * random.nextDouble());
            case DISK_STALL -> stall(leaderOrRandom());
            default -> throw new IllegalStateException("unknown fault " + fault);
        }
    }

    private void stall(SimNode node) {
        node.disk().stalled(true);
        trace.milestone(queue.now(), node.id(), "disk stalls", null);
    }

    private void healAll() {
        network.heal();
        for (SimNode node : nodes) {
            node.disk().stalled(false);
            restart(node);
        }
    }

    private void restart(SimNode node) {
        if (!node.isUp()) {
            node.start();
        }
    }

    private SimNode leaderOrRandom() {
        SimNode leader = SimNode.leaderOf(nodes);
        return leader != null && random.nextBoolean() ? leader : nodes.get(random.nextInt(nodes.size()));
    }

    private List<SimNode> shuffled() {
        List<SimNode> copy = new ArrayList<>(nodes);
        for (int i = copy.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            SimNode t = copy.get(i);
            copy.set(i, copy.get(j));
            copy.set(j, t);
        }
        return copy;
    }

    private long calm() {
        return random.nextLong(1, options.maxCalmMillis() + 1);
    }
}
