package io.keelraft.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The iptables rules do cut raft traffic between node aliases, and only that: an isolated leader loses its
 * leadership to the others, who commit without it, while clients still reach it; healing brings it back.
 */
class PartitionIT {

    @TempDir
    Path dir;

    @BeforeAll
    static void needsRootAndIptables() {
        assumeTrue(NetworkFaults.available(), "partitions need root and iptables (apt-get install -y iptables)");
    }

    @Test
    void anIsolatedLeaderIsReplacedAndCatchesUpAfterHealing() throws Exception {
        KvCluster cluster = new KvCluster(FaultSuiteIT.jar(), dir, 3);
        NetworkFaults network = new NetworkFaults(cluster, 99);
        try {
            network.install();
            cluster.startAll();
            String[] leader = new String[1];
            await().atMost(Duration.ofSeconds(60)).until(() -> (leader[0] = cluster.leader().orElse(null)) != null);
            assertThat(cluster.call(leader[0], 10_000, "SET", "k", "before")).isEqualTo("OK");
            long oldTerm = Long.parseLong(cluster.info(leader[0]).get("term"));

            List<String> ids = cluster.baseNodes().stream().map(KvCluster.Node::id).toList();
            network.apply(Partition.isolate(leader[0], ids));
            assertThat(network.rules()).hasSize(4);
            String other = ids.stream().filter(id -> !id.equals(leader[0])).findFirst().orElseThrow();
            // The other two elect one of them in a later term, and commit without the old leader.
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                Map<String, String> info = cluster.info(other);
                return !info.getOrDefault("leader", "").isEmpty() && !info.get("leader").equals(leader[0])
                        && Long.parseLong(info.get("term")) > oldTerm;
            });
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> "OK".equals(cluster.call(other, 10_000, "SET", "k", "during")));
            long committed = Long.parseLong(cluster.info(other).get("commitIndex"));
            // Clients still reach the isolated node, which has not seen that commit.
            Map<String, String> isolated = cluster.info(leader[0]);
            assertThat(isolated).isNotEmpty();
            assertThat(Long.parseLong(isolated.get("commitIndex"))).isLessThan(committed);

            network.heal();
            assertThat(network.rules()).isEmpty();
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                    Long.parseLong(cluster.info(leader[0]).get("lastApplied")) >= committed
                            && "during".equals(cluster.call(leader[0], 10_000, "GET", "k")));
        } finally {
            cluster.close();
            network.close();
        }
        assertThat(Shell.run(List.of("iptables", "-w", "-S")).output()).doesNotContain(network.chain());
    }
}
