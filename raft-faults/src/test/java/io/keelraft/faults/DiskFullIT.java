package io.keelraft.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server whose disk fills up stops itself (fail-stop: RaftNode cannot tell what it stored) — and its process
 * must then exit with a one-line reason, so that a supervisor restarts it from its durable state. Found by the
 * fault suite (seed 7001): keel-kv kept running with a stopped node, answering "ERR server is shutting down" to
 * everything forever, a server that never recovered.
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
    void aServerWhoseLogCannotBeWrittenExitsAndRecoversOnceRestarted() throws IOException {
        KvCluster cluster = new KvCluster(FaultSuiteIT.jar(), dir, 3);
        KvCluster.Node n3 = cluster.node("n3");
        DiskFaults disk = new DiskFaults(n3.dataDir(), 256L << 20);
        String whyNot = disk.mount();
        assumeTrue(whyNot == null, "a full disk needs a tmpfs: " + whyNot);
        AtomicInteger written = new AtomicInteger();
        try {
            cluster.startAll();
            await().atMost(Duration.ofSeconds(60)).until(() -> cluster.leader().isPresent());
            String before = files(n3.dataDir());
            long ballast = disk.fill();
            // The log appends into a preallocated 64 MiB segment and has a preallocated spare, which a full disk
            // does not stop: values of almost 1 MiB fill both, and the next segment needs space there is not.
            String big = "x".repeat(1_000_000);
            // Writes through n1 reach n3's log, whose next append fails with "No space left on device".
            try {
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                    cluster.call("n1", 10_000, "SET", "big", big + written.incrementAndGet());
                    return !n3.isAlive();
                });
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("n3 still runs after " + written + " writes with a full disk ("
                        + (ballast >> 20) + " MiB of ballast); its files before: " + before + "; now: "
                        + files(n3.dataDir()) + "; its log:\n" + Files.readString(n3.log()), e);
            }
            assertThat(n3.process.unexpectedExit()).isEqualTo(1);
            List<String> log = Files.readAllLines(n3.log());
            assertThat(log.get(log.size() - 1)).startsWith("keel-kv: the Raft node stopped: server n3 stopped:")
                    .contains("No space left on device");

            disk.free();
            cluster.restart("n3");
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                String last = "v" + written.incrementAndGet();
                return "OK".equals(cluster.call("n1", 10_000, "SET", "k", last))
                        && last.equals(cluster.call("n3", 10_000, "GET", "k"));
            });
        } finally {
            cluster.close();
            disk.close();
        }
    }
}
