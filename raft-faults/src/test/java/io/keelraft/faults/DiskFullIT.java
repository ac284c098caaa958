package io.keelraft.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader whose disk fills up rides it through (issue 16): it steps down so that a server with a working disk
 * leads, the cluster keeps taking writes, the process keeps running, and once space is freed it writes what it
 * missed and is a full member again — no restart (before, it fail-stopped and needed a supervisor).
 */
class DiskFullIT {

    @TempDir
    Path dir;

    private static String files(Path root) throws IOException {
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            return paths.filter(Files::isRegularFile).map(p -> root.relativize(p) + "=" + p.toFile().length())
                    .toList().toString();
        }
    }

    @Test
    void aLeaderWithAFullDiskStepsDownKeepsRunningAndRecoversWhenSpaceIsFreed() throws IOException {
        KvCluster cluster = new KvCluster(FaultSuiteIT.jar(), dir, 3);
        KvCluster.Node n3 = cluster.node("n3");
        DiskFaults disk = new DiskFaults(n3.dataDir(), 256L << 20);
        String whyNot = disk.mount();
        assumeTrue(whyNot == null, "a full disk needs a tmpfs: " + whyNot);
        AtomicInteger written = new AtomicInteger();
        try {
            cluster.startAll();
            await().atMost(Duration.ofSeconds(60)).until(() -> cluster.leader().isPresent());
            // n3 leads when its disk fills.
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                String leader = cluster.leader().orElseThrow();
                if (!leader.equals("n3")) {
                    cluster.call(leader, 10_000, "RAFT.TRANSFER", "n3");
                }
                return cluster.leader().equals(Optional.of("n3"));
            });
            String before = files(n3.dataDir());
            long ballast = disk.fill();
            // The log appends into a preallocated 64 MiB segment and has a preallocated spare, which a full disk
            // does not stop: values of almost 1 MiB fill both, and the next segment needs space there is not.
            String big = "x".repeat(1_000_000);
            try {
                await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> {
                    cluster.call("n1", 10_000, "SET", "big", big + written.incrementAndGet());
                    return cluster.info("n3").getOrDefault("storage", "").startsWith("failing");
                });
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("n3's storage still works after " + written + " writes with a full disk ("
                        + (ballast >> 20) + " MiB of ballast); its files before: " + before + "; now: "
                        + files(n3.dataDir()) + "; its log:\n" + Files.readString(n3.log()), e);
            }
            assertThat(cluster.info("n3").get("storage")).contains("No space left on device");
            // Another server leads and the cluster takes writes; n3 keeps running and does not lead.
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                String last = "during" + written.incrementAndGet();
                return "OK".equals(cluster.call("n1", 10_000, "SET", "k", last))
                        && cluster.leader().filter(l -> !l.equals("n3")).isPresent();
            });
            assertThat(n3.isAlive()).isTrue();
            assertThat(cluster.info("n3").get("role")).isNotEqualTo("leader");

            disk.free();
            long freed = System.nanoTime();
            String last = "after" + written.incrementAndGet();
            assertThat(cluster.call("n1", 10_000, "SET", "k", last)).isEqualTo("OK");
            // Back without a restart: its store works, it holds the whole log, and it serves the newest value.
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                Map<String, String> info = cluster.info("n3");
                Map<String, String> leader = cluster.info(cluster.leader().orElseThrow());
                return "ok".equals(info.get("storage")) && info.get("lastIndex").equals(leader.get("lastIndex"))
                        && last.equals(cluster.call("n3", 10_000, "GET", "k"));
            });
            long recoveredMillis = (System.nanoTime() - freed) / 1_000_000;
            System.out.println("DiskFullIT: n3 took writes again " + recoveredMillis + " ms after its disk was freed");
            assertThat(n3.process.unexpectedExit()).isNull();
            assertThat(Files.readString(n3.log())).contains("the log store works again");
        } finally {
            cluster.close();
            disk.close();
        }
    }
}
