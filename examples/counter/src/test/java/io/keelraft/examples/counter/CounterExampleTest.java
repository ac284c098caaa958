package io.keelraft.examples.counter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's example, run as written: three counters on loopback, commands and reads through any server. */
class CounterExampleTest {

    @TempDir
    Path data;

    @Test
    void threeServersAddAndReadThroughAnyServer() throws Exception {
        try (LocalCluster cluster = new LocalCluster(data, List.of("n1", "n2", "n3"))) {
            cluster.awaitLeader();
            long total = 0;
            for (RaftNode node : cluster.nodes.values()) {
                total += 5;
                assertThat(Counter.add(node, 5)).isEqualTo(total);
                assertThat(Counter.read(node)).isEqualTo(total);
            }
            long expected = total;
            for (RaftNode node : cluster.nodes.values()) {
                await().atMost(Duration.ofSeconds(10)).until(() -> node.lastApplied() > 0
                        && Counter.read(node) == expected);
            }
        }
    }

    /**
     * The README's "on each of three machines": three servers start at once, each through {@link Counter#serve},
     * with no step that waits for the election — each add waits for a leader by itself.
     */
    @Test
    void threeServersStartedAtOnceEachAddWithoutWaitingForTheElection() throws Exception {
        for (int attempt = 1; ; attempt++) {
            Map<String, String> members = new LinkedHashMap<>();
            for (String id : List.of("n1", "n2", "n3")) {
                members.put(id, "127.0.0.1:" + LocalCluster.freePort());
            }
            ExecutorService servers = Executors.newFixedThreadPool(3);
            List<Future<RaftNode>> started = new ArrayList<>();
            for (String id : members.keySet()) {
                Path dir = data.resolve("attempt-" + attempt).resolve(id);
                started.add(servers.submit(() -> Counter.serve(id, members, dir)));
            }
            servers.shutdown();
            List<RaftNode> nodes = new ArrayList<>();
            Throwable failure = null;
            for (Future<RaftNode> f : started) {
                try {
                    nodes.add(f.get(60, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    failure = e.getCause();
                }
            }
            try {
                if (failure != null && attempt < 3 && LocalCluster.isBindFailure(failure)) {
                    continue; // a port taken between choosing and binding it: again, on other ports
                }
                assertThat(failure).as("a server of the README's three failed").isNull();
                for (RaftNode node : nodes) {
                    await().atMost(Duration.ofSeconds(10)).until(() -> Counter.read(node) == 15);
                }
                return;
            } finally {
                nodes.forEach(RaftNode::close);
            }
        }
    }

    @Test
    void theReadmeShowsExactlyThisCode() throws Exception {
        String readme = Files.readString(Path.of("..", "..", "README.md"), StandardCharsets.UTF_8);
        String source = Files.readString(Path.of("src/main/java/io/keelraft/examples/counter/Counter.java"),
                StandardCharsets.UTF_8);
        String classBody = source.substring(source.indexOf("/** A replicated counter"));
        assertThat(readme).as("README.md shows Counter.java from its class comment on")
                .contains(classBody.strip());
        assertThat(readme).as("README.md starts each of the three servers with Counter.serve")
                .contains("RaftNode node = Counter.serve(\"n1\", members, ");
    }
}
