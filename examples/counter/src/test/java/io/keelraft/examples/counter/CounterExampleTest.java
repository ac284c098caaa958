package io.keelraft.examples.counter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

    @Test
    void theReadmeShowsExactlyThisCode() throws Exception {
        String readme = Files.readString(Path.of("..", "..", "README.md"), StandardCharsets.UTF_8);
        String source = Files.readString(Path.of("src/main/java/io/keelraft/examples/counter/Counter.java"),
                StandardCharsets.UTF_8);
        String classBody = source.substring(source.indexOf("/** A replicated counter"));
        assertThat(readme).as("README.md shows Counter.java from its class comment on")
                .contains(classBody.strip());
    }
}
