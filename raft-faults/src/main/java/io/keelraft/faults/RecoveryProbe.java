package io.keelraft.faults;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A side client that tells {@link HealRecoveries} when each server takes writes and when the servers agree on a
 * leader: one thread per server of the initial configuration writes {@code probe-<id>} through that server every
 * 0.2-0.5 s, and one asks every server {@code RAFT.INFO} every 0.25 s. The workload's clients pick servers at
 * random, so they cannot say when a particular cut-off server serves again. The probe's keys are apart from the
 * workload's and its operations outside the checked history.
 */
final class RecoveryProbe implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RecoveryProbe.class);
    /**
     * How long a probe write waits for its reply. Short, so that a write stuck in a partition is given up soon
     * and the next one, sent after the heal, measures the recovery (resolution: this plus the 0.5 s period).
     */
    static final int WRITE_TIMEOUT_MILLIS = 2_000;
    private static final Duration LEADER_PERIOD = Duration.ofMillis(250);

    private final KvCluster cluster;
    private final RunClock clock;
    private final HealRecoveries recoveries;
    private final long seed;
    private final ExecutorService threads;
    private volatile boolean closed;

    RecoveryProbe(KvCluster cluster, RunClock clock, HealRecoveries recoveries, long seed) {
        this.cluster = cluster;
        this.clock = clock;
        this.recoveries = recoveries;
        this.seed = seed;
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "recovery-probe-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        for (KvCluster.Node n : cluster.baseNodes()) {
            threads.execute(() -> writeThrough(n, new Random(seed * 17 + n.id().hashCode())));
        }
        threads.execute(this::watchLeader);
    }

    private void writeThrough(KvCluster.Node n, Random random) {
        RespClient c = null;
        long seq = 0;
        while (!closed) {
            if (n.isServing()) {
                try {
                    if (c == null) {
                        c = new RespClient(KvCluster.CLIENT_HOST, n.host(), n.respPort(), 1_000, WRITE_TIMEOUT_MILLIS);
                    }
                    Object reply = c.call("SET", "probe-" + n.id(), Long.toString(++seq));
                    if ("OK".equals(reply)) {
                        recoveries.wrote(n.id(), clock.nanos());
                    }
                } catch (IOException | RuntimeException e) {
                    if (c != null) {
                        c.close();
                        c = null;
                    }
                }
            }
            Poll.pause(Duration.ofMillis(200 + random.nextInt(300)));
        }
        if (c != null) {
            c.close();
        }
    }

    private void watchLeader() {
        while (!closed) {
            long asked = clock.nanos();
            if (agreeOnLeader()) {
                recoveries.leaderAgreed(asked);
            }
            Poll.pause(LEADER_PERIOD);
        }
    }

    /** Whether every server of the initial configuration names the same leader, which says it leads. */
    private boolean agreeOnLeader() {
        List<KvCluster.Node> nodes = cluster.baseNodes();
        String leader = null;
        for (KvCluster.Node n : nodes) {
            String named = cluster.info(n.id()).getOrDefault("leader", "");
            if (named.isEmpty() || leader != null && !leader.equals(named)) {
                return false;
            }
            leader = named;
        }
        try {
            Map<String, String> info = cluster.info(leader);
            return "leader".equals(info.get("role"));
        } catch (IllegalArgumentException unknown) {
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        threads.shutdown();
        try {
            if (!threads.awaitTermination(WRITE_TIMEOUT_MILLIS + 10_000L, TimeUnit.MILLISECONDS)) {
                LOG.warn("recovery probe threads did not stop in time; interrupted");
                threads.shutdownNow();
            }
        } catch (InterruptedException e) {
            threads.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
