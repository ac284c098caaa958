package io.keelraft.testkit.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.NodeStatus;
import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.Role;
import io.keelraft.testkit.memory.InMemoryLogStore;
import io.keelraft.testkit.memory.InMemoryMetaStore;
import io.keelraft.testkit.memory.InMemorySnapshotStore;
import io.keelraft.testkit.memory.KeyValueStateMachine;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The runtime tells the transport who the members are; a server started with {@code joining()} waits quietly. */
@Timeout(60)
class JoiningNodeTest {

    @Test
    void membersAreToldAtStartAndAJoiningServerWaitsWithoutCampaigning() throws Exception {
        try (InProcessCluster c = new InProcessCluster(List.of("n1", "n2", "n3"), RaftOptions.builder())) {
            RaftNode leader = c.awaitLeader();
            RaftNode n4 = RaftNode.builder().id("n4").joining()
                    .members(Map.of("n4", "local:n4", "n1", "local:n1"))
                    .stores(new InMemoryLogStore("n4"), new InMemoryMetaStore(), new InMemorySnapshotStore(2))
                    .transport(c.network.transport("n4")).stateMachine(new KeyValueStateMachine())
                    .options(RaftOptions.builder().electionTimeout(Duration.ofMillis(300))
                            .heartbeatInterval(Duration.ofMillis(30)).build())
                    .build().start();
            try {
                // Every member's transport was given the bootstrap configuration, itself included.
                await().untilAsserted(() -> {
                    for (String id : List.of("n1", "n2", "n3")) {
                        assertThat(c.network.members(id)).isEqualTo(
                                Map.of("n1", "local:n1", "n2", "local:n2", "n3", "local:n3"));
                    }
                    // The joining server is not a member: it does not name itself (its transport then admits
                    // whoever leads) and dials no one until it learns the configuration.
                    assertThat(c.network.members("n4")).isEmpty();
                });
                NodeStatus waiting = n4.status().get(5, TimeUnit.SECONDS);
                assertThat(waiting.configuration().members()).isEmpty();
                assertThat(leader.status().get(5, TimeUnit.SECONDS).configuration().voters())
                        .containsExactlyInAnyOrder("n1", "n2", "n3");
                // It never campaigns (it is no voter), so it cannot disturb the cluster, which keeps serving.
                await().during(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(5))
                        .until(() -> n4.role() == Role.FOLLOWER && n4.term() == 0);
                assertThat(leader.submit(KeyValueStateMachine.put("k", "v")).get(10, TimeUnit.SECONDS)).isNotNull();
                assertThat(c.leader().term()).isEqualTo(leader.term());
            } finally {
                n4.close();
            }
        }
    }
}
