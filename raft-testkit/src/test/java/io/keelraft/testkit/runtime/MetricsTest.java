package io.keelraft.testkit.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.metrics.MicrometerMetrics;
import io.keelraft.core.Role;
import io.keelraft.testkit.memory.InMemoryLogStore;
import io.keelraft.testkit.memory.InMemoryMetaStore;
import io.keelraft.testkit.memory.KeyValueStateMachine;
import io.keelraft.testkit.memory.LocalNetwork;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void aServerReportsProposalsElectionsApplyAndWriteLatencyToMicrometer() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RaftNode solo = RaftNode.builder().id("solo").members(Map.of("solo", "local:solo"))
                .stores(new InMemoryLogStore("solo"), new InMemoryMetaStore())
                .transport(new LocalNetwork().transport("solo")).stateMachine(new KeyValueStateMachine())
                .options(RaftOptions.builder().electionTimeout(Duration.ofMillis(200))
                        .heartbeatInterval(Duration.ofMillis(20)).build())
                .metrics(MicrometerMetrics.of(registry, "solo")).build().start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> solo.role() == Role.LEADER);
            for (int i = 0; i < 10; i++) {
                solo.submit(KeyValueStateMachine.put("k", "v" + i)).get(5, TimeUnit.SECONDS);
            }
            solo.query(KeyValueStateMachine.get("k")).get(5, TimeUnit.SECONDS);
        }
        assertThat(registry.get("keel.proposals").counter().count()).isEqualTo(10);
        assertThat(registry.get("keel.leader.elected").counter().count()).isEqualTo(1);
        assertThat(registry.get("keel.applied.entries").counter().count()).isEqualTo(11); // + the no-op
        assertThat(registry.get("keel.command.latency").timer().count()).isEqualTo(10);
        assertThat(registry.get("keel.log.write").timer().count()).isPositive();
        assertThat(registry.get("keel.read.latency").timer().count()).isEqualTo(1);
    }
}
