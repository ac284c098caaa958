package io.keelraft.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The fault schedule, drawn from the run's seed: fault episodes separated by calm periods. An episode starts
 * one or two faults — a partition, a one-way cut, an isolated server, crashes (a quick crash-restart, a server
 * kept down until the episode ends, or followers restarting one after another), a burst of message loss, a
 * stalled disk, leader churn, or the {@link Figure8Scenario} — and ends by healing the network and disks and
 * restarting the servers it crashed. Most faults aim at the current leader half of the time, so that every run
 * sees several leader changes.
 */
final class Nemesis {

    private enum Fault {
        PARTITION, ONE_WAY, ISOLATE, CRASH, CRASH_RESTART, CRASH_MANY, LOSS_BURST, DISK_STALL, LEADER_CHURN, FIGURE_8,
        ROLLING_RESTARTS
    }

    private static final Fault[] FAULTS = Fault.values();

    private final SimulationOptions options;
    private final EventQueue queue;
    private final SplittableRandom random;
    private final SimNetwork network;
    private final List<SimNode> nodes;
    private final EventTrace trace;
    private final Figure8Scenario figure8;
    private boolean stopped;
    private long episodes;
    /** During a LEADER_CHURN fault, new leaders are attacked as soon as they are elected. */
    private boolean churning;
    /** During ROLLING_RESTARTS, followers other than {@code cutOff} crash and restart one after another. */
    private boolean rolling;
    private SimNode cutOff;

    Nemesis(SimulationOptions options, EventQueue queue, SplittableRandom random, SimNetwork network,
            List<SimNode> nodes, EventTrace trace) {
        this.options = options;
        this.queue = queue;
        this.random = random;
        this.network = network;
        this.nodes = nodes;
        this.trace = trace;
        this.figure8 = new Figure8Scenario(options, queue, random, network, nodes, trace);
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

    /**
     * A server has just become leader, before its first AppendEntries leave. During leader churn it is cut
     * off at once (its new entries stay on its own disk only), crashed a little later, or left alone. Cutting
     * and crashing leaders right after their elections builds the divergent logs of paper Figure 8, where
     * only the commitment rule of §5.4.2 keeps committed entries safe.
     */
    void elected(SimNode leader) {
        figure8.elected(leader);
        if (!churning) {
            return;
        }
        switch (random.nextInt(3)) {
            case 0 -> {
                network.isolate(leader.id());
                queue.after(shortOutage(), () -> {
                    if (churning) {
                        network.reconnect(leader.id());
                    }
                });
            }
            case 1 -> {
                long life = leader.counts().crashes();
                queue.after(random.nextLong(0, 10L * options.tickMillis()), () -> {
                    if (churning && leader.isUp() && leader.counts().crashes() == life) {
                        leader.crash();
                        queue.after(shortOutage(), () -> {
                            if (churning) {
                                restart(leader);
                            }
                        });
                    }
                });
            }
            default -> { }
        }
    }

    /**
     * A leader has just committed new entries. During leader churn it sometimes crashes at once, before the
     * followers learn of the commit: the moment when a commit that was not safe (paper Figure 8) is exposed.
     */
    void committed(SimNode leader) {
        figure8.committed(leader);
        if (churning && random.nextInt(8) == 0) {
            leader.crash();
            queue.after(shortOutage(), () -> {
                if (churning) {
                    restart(leader);
                }
            });
        }
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
                SimNode leader = SimNodes.leaderOf(nodes);
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
            case LEADER_CHURN -> {
                if (!churning) {
                    churning = true;
                    trace.milestone(queue.now(), null, "leader churn begins", null);
                    // Paper Figure 8 (c): a leader whose own disk is slow counts its followers' copies of its new
                    // entries before its own; crashed before its write completes, it loses them.
                    for (SimNode node : nodes) {
                        if (random.nextBoolean()) {
                            stall(node);
                        }
                    }
                }
            }
            case FIGURE_8 -> figure8.begin();
            case ROLLING_RESTARTS -> {
                SimNode leader = SimNodes.leaderOf(nodes);
                if (leader != null && !rolling) {
                    // One follower stops hearing the leader and campaigns; the others keep restarting, and a
                    // restarted server has heard from no leader yet (thesis §4.2.3, §6.4.1). A restarted
                    // server's replies to the leader are lost, as over a link that fails one way.
                    SimNode cut = nodes.get(random.nextInt(nodes.size()));
                    if (cut != leader) {
                        network.cutOneWay(leader.id(), cut.id());
                        network.cutOneWay(cut.id(), leader.id());
                    }
                    cutOff = cut;
                    rolling = true;
                    queue.after(random.nextLong(1, 10L * options.tickMillis()), this::restartAFollower);
                }
            }
            default -> throw new IllegalStateException("unknown fault " + fault);
        }
    }

    private void restartAFollower() {
        if (!rolling) {
            return;
        }
        SimNode leader = SimNodes.leaderOf(nodes);
        SimNode victim = nodes.get(random.nextInt(nodes.size()));
        if (victim != leader && victim != cutOff && victim.isUp()) {
            victim.crash();
            if (leader != null) {
                network.cutOneWay(victim.id(), leader.id());
            }
            queue.after(random.nextLong(0, 2L * options.tickMillis()), () -> restart(victim));
        }
        queue.after(random.nextLong(1, 10L * options.tickMillis()), this::restartAFollower);
    }

    private void stall(SimNode node) {
        node.disk().stalled(true);
        trace.milestone(queue.now(), node.id(), "disk stalls", null);
    }

    private void healAll() {
        churning = false;
        rolling = false;
        figure8.abort();
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
        SimNode leader = SimNodes.leaderOf(nodes);
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

    private long shortOutage() {
        return random.nextLong(2L * options.tickMillis(), 20L * options.tickMillis());
    }

    private long calm() {
        return random.nextLong(1, options.maxCalmMillis() + 1);
    }
}
