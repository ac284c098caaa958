package io.keelraft.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link FaultSchedule} against a cluster on one scheduler thread: each step is injected at its time and
 * healed its duration later; steps run one after the other, so a step that takes long (a restart waits for READY)
 * delays the next, which still keeps its planned quiet time after that heal. Every action goes to the {@link FaultLog}. {@link #stopAndHeal} cancels what has not started
 * and heals everything: the network, the disk, paused and dead nodes.
 */
public final class Nemesis implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Nemesis.class);
    private static final int ADMIN_TIMEOUT_MILLIS = 30_000;

    private final KvCluster cluster;
    private final NetworkFaults network;
    private final DiskFaults disk;
    private final String diskUnavailable;
    private final FaultLog log;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nemesis");
        t.setDaemon(true);
        return t;
    });
    private List<FaultStep> steps = List.of();
    private long origin;
    /** When the last step was healed, in milliseconds from {@link #origin}. */
    private volatile long lastHealMillis;
    /** The one task scheduled now (a step's injection or its healing); null before the start. */
    private ScheduledFuture<?> current;
    private boolean stopped;
    private final List<String> unexpectedExits = new ArrayList<>();
    /** How to undo each injected step still in force, by step index. */
    private final Map<Integer, Runnable> healers = new ConcurrentHashMap<>();
    /** The steps injected and not yet healed: only their heals are measured (a skipped step has none). */
    private final java.util.Set<Integer> injectedSteps = ConcurrentHashMap.newKeySet();
    /** Told of every heal and injection, to measure the recovery after each heal; null: not measured. */
    private volatile HealRecoveries recoveries;

    /**
     * @param network         null when the mix has no partition
     * @param disk            the tmpfs of one node, or null
     * @param diskUnavailable why there is no disk fault (logged when one is due), or null
     */
    public Nemesis(KvCluster cluster, NetworkFaults network, DiskFaults disk, String diskUnavailable, FaultLog log) {
        this.cluster = cluster;
        this.network = network;
        this.disk = disk;
        this.diskUnavailable = diskUnavailable;
        this.log = log;
    }

    /**
     * Cancels the steps not yet started and waits for the one running (interrupting it after 3 minutes); heals
     * nothing. Safe to call more than once.
     */
    @Override
    public void close() {
        synchronized (this) {
            stopped = true;
            if (current != null) {
                current.cancel(false);
            }
        }
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(3, TimeUnit.MINUTES)) {
                log.note("a fault step still runs after 3 minutes; interrupting it");
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            scheduler.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** Measure the recovery after every heal with {@code r} (before {@link #start}). */
    void measureRecoveries(HealRecoveries r) {
        this.recoveries = r;
    }

    /** Servers that ended without the nemesis killing them (found by {@link #stopAndHeal}). */
    public List<String> unexpectedExits() {
        return List.copyOf(unexpectedExits);
    }

    /**
     * Runs the steps in order: each is injected at its planned time (or, if the one before it took longer, its
     * planned quiet time after that one's heal), and healed its full duration after it was actually injected, so faults never overlap and
     * a pause always outlasts the election timeout.
     */
    public synchronized void start(FaultSchedule schedule) {
        this.steps = schedule.steps();
        this.origin = System.nanoTime();
        next(0);
    }

    private synchronized void next(int index) {
        if (stopped || index >= steps.size()) {
            return;
        }
        FaultStep step = steps.get(index);
        long now = (System.nanoTime() - origin) / 1_000_000;
        long delay = Math.max(0, step.startMillis() - now);
        if (index > 0) {
            // The planned quiet time follows the actual heal, even when a slow step (a restart waits for READY)
            // made the schedule late: the recovery after each heal is measured until the next fault starts.
            long quiet = step.startMillis() - steps.get(index - 1).endMillis();
            delay = Math.max(delay, lastHealMillis + quiet - now);
        }
        current = scheduler.schedule(() -> {
            HealRecoveries r = recoveries;
            if (r != null) {
                r.injecting(step);
            }
            guarded(step, "inject", () -> inject(step));
            synchronized (this) {
                if (!stopped) {
                    current = scheduler.schedule(() -> {
                        guarded(step, "heal", () -> heal(step));
                        lastHealMillis = (System.nanoTime() - origin) / 1_000_000;
                        if (r != null && injectedSteps.remove(step.index())) {
                            r.healed(step, cluster.baseNodes().stream().map(KvCluster.Node::id).toList());
                        }
                        next(index + 1);
                    }, step.durationMillis(), TimeUnit.MILLISECONDS);
                }
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    private void guarded(FaultStep step, String what, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            log.note(step + ": " + what + " failed: " + e);
            LOG.warn("{} {} failed", step, what, e);
        }
    }

    private void inject(FaultStep step) {
        Random random = step.random();
        List<String> ids = cluster.baseNodes().stream().map(KvCluster.Node::id).toList();
        String randomNode = ids.get(random.nextInt(ids.size()));
        boolean injected = true;
        switch (step.kind()) {
            case KILL_NODE, KILL_LEADER -> {
                String target = step.kind() == FaultKind.KILL_NODE ? randomNode : leaderOr(randomNode, step);
                KvCluster.Node n = cluster.node(target);
                log.note(step + ": kill -9 " + target + " (" + n.process + ")");
                n.process.kill9();
                healers.put(step.index(), () -> restart(step, target));
            }
            case PAUSE_NODE, PAUSE_LEADER -> {
                String target = step.kind() == FaultKind.PAUSE_NODE ? randomNode : leaderOr(randomNode, step);
                KvCluster.Node n = cluster.node(target);
                log.note(step + ": SIGSTOP " + target + " (" + n.process + ")");
                n.process.pause();
                healers.put(step.index(), () -> {
                    log.note(step + ": SIGCONT " + target);
                    n.process.resume();
                });
            }
            case PARTITION_MAJORITY -> partition(step, Partition.majorityMinority(ids, random));
            case PARTITION_BRIDGE -> partition(step, Partition.bridge(ids, random));
            case PARTITION_ONE_WAY -> partition(step, Partition.oneWayFrom(randomNode, ids));
            case ISOLATE_LEADER -> partition(step, Partition.isolate(leaderOr(randomNode, step), ids));
            case LONG_ISOLATE_LEADER -> partition(step, Partition.isolate(leaderOr(randomNode, step), ids));
            case LONG_ISOLATE_FOLLOWER -> partition(step, Partition.isolate(follower(ids, random, step), ids));
            case LONG_ONE_WAY_TO_FOLLOWER -> {
                String leader = leaderOr(randomNode, step);
                List<String> others = ids.stream().filter(id -> !id.equals(leader)).toList();
                partition(step, Partition.oneWay(leader, others.get(random.nextInt(others.size()))));
            }
            case LONG_ONE_WAY_FROM_FOLLOWER -> partition(step, Partition.oneWayFrom(follower(ids, random, step), ids));
            case CLOCK_SKEW -> injected = skewClock(step, random, randomNode);
            case CLOCK_SKEW_ISOLATED_LEADER -> injected = isolateSkewedLeader(step, random);
            case TRANSFER_LEADER -> transfer(step, random);
            case MEMBERSHIP -> join(step);
            case REPLACE_LEADER -> injected = replaceLeader(step);
            case DISK_FULL -> injected = fillDisk(step);
            default -> throw new IllegalStateException("no action for " + step.kind());
        }
        if (injected) {
            log.injected(step.kind());
            injectedSteps.add(step.index());
        }
    }

    private void heal(FaultStep step) {
        Runnable healer = healers.remove(step.index());
        if (healer != null) {
            healer.run();
        }
    }

    /** The leader now; {@code fallback} (and a note) when none answers as leader. */
    private String leaderOr(String fallback, FaultStep step) {
        Optional<String> leader = cluster.leader();
        if (leader.isEmpty() || !cluster.baseNodes().contains(cluster.node(leader.get()))) {
            log.note(step + ": no leader among n1..nN now, using " + fallback);
            return fallback;
        }
        return leader.get();
    }

    /** A random server other than the leader now (any server when none leads). */
    private String follower(List<String> ids, Random random, FaultStep step) {
        String leader = leaderOr(ids.get(0), step);
        List<String> others = ids.stream().filter(id -> !id.equals(leader)).toList();
        return others.get(random.nextInt(others.size()));
    }

    /** The leader (half the time) or a random server runs with a skewed clock until the heal. */
    private boolean skewClock(FaultStep step, Random random, String randomNode) {
        String unavailable = ClockSkew.unavailable();
        if (unavailable != null) {
            log.skipped(step.kind(), unavailable);
            return false;
        }
        String target = random.nextBoolean() ? leaderOr(randomNode, step) : randomNode;
        double rate = ClockSkew.pickRate(random);
        healers.put(step.index(), ClockSkew.inject(cluster, log, step, target, rate));
        return true;
    }

    /** The leader, restarted with a skewed clock and made leader again, is isolated until the heal. */
    private boolean isolateSkewedLeader(FaultStep step, Random random) {
        String unavailable = network == null ? "no iptables" : ClockSkew.unavailable();
        if (unavailable != null) {
            log.skipped(step.kind(), unavailable);
            return false;
        }
        Runnable healer = new SkewedLeaderIsolation(cluster, network, log).inject(step, ClockSkew.pickRate(random));
        if (healer == null) {
            return false;
        }
        healers.put(step.index(), healer);
        return true;
    }

    private void restart(FaultStep step, String id) {
        log.note(step + ": restart " + id);
        cluster.restart(id);
        log.note(step + ": " + id + " is up again (" + cluster.node(id).process + ")");
    }

    private void partition(FaultStep step, Partition p) {
        if (network == null) {
            throw new IllegalStateException("no iptables for " + step);
        }
        log.note(step + ": partition " + p);
        network.apply(p);
        healers.put(step.index(), () -> {
            log.note(step + ": heal the network");
            network.heal();
        });
    }

    private void transfer(FaultStep step, Random random) {
        Optional<String> leader = cluster.leader();
        if (leader.isEmpty()) {
            log.note(step + ": no leader to transfer from");
            return;
        }
        Map<String, String> info = cluster.info(leader.get());
        List<String> voters = new ArrayList<>();
        for (String role : info.getOrDefault("roles", "").split(",")) {
            String[] kv = role.split("=");
            if (kv.length == 2 && kv[1].equals("voter") && !kv[0].equals(leader.get())) {
                voters.add(kv[0]);
            }
        }
        if (voters.isEmpty()) {
            log.note(step + ": no other voter to transfer to");
            return;
        }
        voters.sort(null);
        String target = voters.get(random.nextInt(voters.size()));
        log.note(step + ": RAFT.TRANSFER " + target + " on leader " + leader.get() + " -> "
                + admin(leader.get(), "RAFT.TRANSFER", target));
    }

    private void join(FaultStep step) {
        KvCluster.Node joiner = cluster.startJoiner();
        log.note(step + ": started " + joiner.id() + " with --join (" + joiner.process + ")");
        healers.put(step.index(), () -> leave(step, joiner));
        add(step, joiner);
    }

    /** Asks the leader to add {@code n} (RAFT.ADD) until it is a member; gives up after 5 attempts. */
    private void add(FaultStep step, KvCluster.Node n) {
        for (int attempt = 1; attempt <= 5; attempt++) {
            Optional<String> leader = cluster.leader();
            if (leader.isEmpty()) {
                log.note(step + ": no leader to add " + n.id());
                Poll.pause(Duration.ofSeconds(1));
                continue;
            }
            Object reply = admin(leader.get(), "RAFT.ADD", n.id(), n.host() + ":" + n.raftPort());
            log.note(step + ": RAFT.ADD " + n.id() + " on " + leader.get() + " -> " + reply);
            if ("OK".equals(reply) || isMember(leader.get(), n.id())) {
                return;
            }
            Poll.pause(Duration.ofSeconds(1));
        }
        log.note(step + ": " + n.id() + " could not be added: left running outside the configuration");
    }

    /**
     * The leader removes itself (RAFT.REMOVE on itself: it hands leadership over as it leaves, thesis §4.2.2 and
     * §3.10); once another leader answers without it among the members, its process is stopped and its data
     * deleted. Healing starts it again, empty, with --join under the same id, and adds it back. A server is wiped
     * only once its removal is certain: losing a member's durable state is outside Raft's fault model.
     */
    private boolean replaceLeader(FaultStep step) {
        Optional<String> leader = cluster.leader();
        if (leader.isEmpty()) {
            log.skipped(step.kind(), "no leader to remove");
            return false;
        }
        String target = leader.get();
        log.note(step + ": RAFT.REMOVE " + target + " on itself -> " + admin(target, "RAFT.REMOVE", target));
        boolean removed = Poll.until(() -> cluster.leader().filter(l -> !l.equals(target) && !isMember(l, target))
                .isPresent(), Duration.ofSeconds(20), Duration.ofMillis(100));
        if (!removed) {
            log.skipped(step.kind(), target + " may still be a member: left as it is");
            return false;
        }
        log.note(step + ": " + target + " is out, " + cluster.leader().orElse("?") + " leads: stop " + target
                + " and delete its data");
        cluster.retire(target);
        healers.put(step.index(), () -> {
            cluster.restart(target);
            log.note(step + ": " + target + " started empty with --join (" + cluster.node(target).process + ")");
            add(step, cluster.node(target));
        });
        return true;
    }

    private void leave(FaultStep step, KvCluster.Node joiner) {
        for (int attempt = 1; attempt <= 5; attempt++) {
            Optional<String> leader = cluster.leader();
            if (leader.isEmpty()) {
                Poll.pause(Duration.ofSeconds(1));
                continue;
            }
            if (!isMember(leader.get(), joiner.id())) {
                break;
            }
            Object reply = admin(leader.get(), "RAFT.REMOVE", joiner.id());
            log.note(step + ": RAFT.REMOVE " + joiner.id() + " on " + leader.get() + " -> " + reply);
        }
        Optional<String> leader = cluster.leader();
        if (leader.isPresent() && !isMember(leader.get(), joiner.id())) {
            cluster.retire(joiner.id());
            log.note(step + ": " + joiner.id() + " is not a member: stopped, data deleted");
        } else {
            log.note(step + ": " + joiner.id() + " may still be a member: left running");
        }
    }

    private boolean isMember(String leader, String id) {
        String members = cluster.info(leader).getOrDefault("members", "");
        for (String m : members.split(",")) {
            if (m.startsWith(id + "=")) {
                return true;
            }
        }
        return false;
    }

    /**
     * A server that exited without being killed is a problem for the report — a full disk included, which a server
     * rides through (steps down, takes no writes, recovers by itself once the disk is freed) since issue 16.
     */
    private void superviseExit(KvCluster.Node n) {
        NodeProcess p = n.process;
        Integer status = p == null ? null : p.unexpectedExit();
        if (status == null) {
            return;
        }
        String last = lastReason(n);
        unexpectedExits.add(n.id() + " (" + p + ") exited by itself with status " + status + ": " + last
                + " (see " + n.log() + ")");
        log.note(unexpectedExits.get(unexpectedExits.size() - 1));
    }

    /** The server's last {@code keel-kv: } line (its reason for exiting), or empty. */
    private static String lastReason(KvCluster.Node n) {
        try {
            List<String> lines = Files.readAllLines(n.log());
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (lines.get(i).startsWith("keel-kv: ")) {
                    return lines.get(i);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return "(log unreadable: " + e + ")";
        }
        return "";
    }

    /** Fills the tmpfs; false (and a note) when there is none. */
    private boolean fillDisk(FaultStep step) {
        if (disk == null || !disk.isMounted()) {
            log.skipped(step.kind(), diskUnavailable == null ? "no tmpfs" : diskUnavailable);
            return false;
        }
        try {
            long bytes = disk.fill();
            log.note(step + ": filled " + disk.dir() + " with " + bytes / (1 << 20) + " MiB of ballast");
        } catch (IOException e) {
            throw new IllegalStateException("cannot fill " + disk.dir(), e);
        }
        // Log appends go to a preallocated segment, which a full disk does not stop; a snapshot needs new space.
        String node = diskNode();
        log.note(step + ": RAFT.SNAPSHOT on " + node + " with a full disk -> " + admin(node, "RAFT.SNAPSHOT"));
        healers.put(step.index(), () -> {
            try {
                disk.free();
                log.note(step + ": freed " + disk.dir());
            } catch (IOException e) {
                throw new IllegalStateException("cannot free " + disk.dir(), e);
            }
            superviseExit(cluster.node(node));
            log.note(step + ": RAFT.SNAPSHOT on " + node + " -> " + admin(node, "RAFT.SNAPSHOT"));
        });
        return true;
    }

    /** The node whose data directory is the tmpfs. */
    private String diskNode() {
        return cluster.allNodes().stream().filter(n -> n.dataDir().equals(disk.dir())).findFirst()
                .map(KvCluster.Node::id).orElseThrow();
    }

    private Object admin(String node, String... command) {
        try {
            Object reply = cluster.call(node, ADMIN_TIMEOUT_MILLIS, command);
            return reply instanceof RespClient.Error e ? "-" + e.message() : reply;
        } catch (IOException e) {
            return "no answer: " + e;
        }
    }

    /**
     * Cancels the steps not yet started, waits for the one running, then heals everything: runs the healers of
     * faults still in force, flushes the iptables chain, frees the disk, resumes paused nodes and restarts dead
     * ones of the initial configuration.
     */
    public void stopAndHeal() {
        close();
        log.note("healing everything");
        for (Integer step : new ArrayList<>(healers.keySet())) {
            Runnable healer = healers.remove(step);
            try {
                healer.run();
            } catch (RuntimeException e) {
                log.note("healing step #" + step + " failed: " + e);
            }
        }
        if (network != null) {
            network.heal();
        }
        if (disk != null && disk.isMounted()) {
            try {
                disk.free();
            } catch (IOException e) {
                log.note("cannot free " + disk.dir() + ": " + e);
            }
        }
        for (KvCluster.Node n : cluster.allNodes()) {
            superviseExit(n);
        }
        for (KvCluster.Node n : cluster.baseNodes()) {
            NodeProcess p = n.process;
            if (p != null && p.isPaused()) {
                log.note("SIGCONT " + n.id());
                p.resume();
            }
            if (!n.isAlive()) {
                log.note("restart " + n.id() + " (dead)");
                cluster.restart(n.id());
            }
        }
        log.note("healed");
    }
}
