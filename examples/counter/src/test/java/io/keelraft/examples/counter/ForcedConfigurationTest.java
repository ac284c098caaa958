package io.keelraft.examples.counter;

import static io.keelraft.examples.counter.LocalCluster.add;
import static io.keelraft.examples.counter.LocalCluster.total;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import io.keelraft.core.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disaster-recovery escape hatch: a survivor of a lost majority forces a configuration of its own. */
class ForcedConfigurationTest {

    @TempDir
    Path data;

    @Test
    void aSurvivorOfALostMajorityForcesANewConfigurationAndKeepsItsData() throws Exception {
        Map<String, String> members;
        try (LocalCluster cluster = new LocalCluster(data, List.of("n1", "n2", "n3"))) {
            members = Map.copyOf(cluster.members);
            assertThat(total(cluster.awaitLeader().submit(add(5)).get(30, TimeUnit.SECONDS))).isEqualTo(5);
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.nodes.get("n1").lastApplied()
                    >= cluster.leader().lastApplied());
        }
        // n2 and n3 are gone for good. The member list alone cannot shrink the cluster any more (bootstrap once).
        Map<String, String> survivor = Map.of("n1", members.get("n1"));
        assertThatThrownBy(() -> RaftNode.builder().id("n1").members(members).dataDirectory(data.resolve("n1"))
                .forceNewConfiguration(Map.of("n2", members.get("n2"))).stateMachine(new Counter()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("must name this server");
        try (RaftNode n1 = RaftNode.builder().id("n1").members(survivor).dataDirectory(data.resolve("n1"))
                .forceNewConfiguration(survivor).stateMachine(new Counter()).build().start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> n1.role() == Role.LEADER);
            assertThat(Counter.read(n1)).isEqualTo(5);
            assertThat(Counter.add(n1, 1)).isEqualTo(6);
            assertThat(n1.status().get(10, TimeUnit.SECONDS).configuration().voters()).containsExactly("n1");
        }
        // Later starts without the flag keep the forced configuration (it is in the log).
        try (RaftNode n1 = Counter.start("n1", survivor, data.resolve("n1"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> n1.role() == Role.LEADER);
            assertThat(Counter.add(n1, 1)).isEqualTo(7);
        }
    }
}
