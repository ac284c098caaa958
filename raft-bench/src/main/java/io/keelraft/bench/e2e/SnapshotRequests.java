package io.keelraft.bench.e2e;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Asks every server for a snapshot ({@code RAFT.SNAPSHOT}) every few seconds while the load runs, so that the
 * benchmark measures write throughput while snapshots are being taken (issue 8's "≥ 80% of the throughput
 * without one"): run it with and without {@code --snapshot-every} alternately and compare.
 */
final class SnapshotRequests {

    private final AtomicLong taken = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private ScheduledExecutorService timer;

    void startSnapshotting(Collection<String> respAddresses, int everySeconds) {
        List<String> servers = new ArrayList<>(respAddresses);
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "keel-bench-snapshots");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            for (String server : servers) {
                try {
                    String reply = RaftInfo.call(server, "RAFT.SNAPSHOT");
                    if (reply.startsWith("snapshot index")) {
                        taken.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                        System.err.println("RAFT.SNAPSHOT on " + server + ": " + reply);
                    }
                } catch (Exception e) {
                    failed.incrementAndGet();
                    System.err.println("RAFT.SNAPSHOT on " + server + " failed: " + e);
                }
            }
        }, everySeconds, everySeconds, TimeUnit.SECONDS);
    }

    void stop() throws InterruptedException {
        if (timer != null) {
            timer.shutdownNow();
            timer.awaitTermination(60, TimeUnit.SECONDS);
        }
    }

    long taken() {
        return taken.get();
    }

    long failed() {
        return failed.get();
    }
}
