package io.keelraft.examples.counter;

import static io.keelraft.examples.counter.LocalCluster.add;
import static io.keelraft.examples.counter.LocalCluster.total;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import io.keelraft.transport.netty.NettyTransport;
import io.keelraft.transport.netty.NettyTransportProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's two silent safety holes, tried as an operator would: a restart with another member list, and a
 * server started on a data directory that is not its own.
 */
class ServerIdentityTest {

    private static final List<String> IDS = List.of("n1", "n2", "n3");

    @TempDir
    Path data;

    @Test
    void aRestartWithOnlyItselfInTheMemberListStaysInTheCluster() throws Exception {
        try (LocalCluster cluster = new LocalCluster(data, IDS)) {
            RaftNode leader = cluster.awaitLeader();
            total(leader.submit(add(5)).get(30, TimeUnit.SECONDS));
            String victim = cluster.aFollower().id();
            cluster.stop(victim);

            // A typo or a templated config: the list names only the server itself. It used to become a one-voter
            // cluster of its own that elected itself and took writes beside the real one.
            RaftNode alone = cluster.start(victim, Map.of(victim, cluster.members.get(victim)));
            assertThat(alone.status().get(10, TimeUnit.SECONDS).configuration().voters())
                    .containsExactlyInAnyOrderElementsOf(IDS);
            RaftNode current = cluster.awaitLeader();
            long expected = total(current.submit(add(7)).get(30, TimeUnit.SECONDS));
            assertThat(expected).isEqualTo(12);
            // It follows the real leader and serves the cluster's value through it.
            await().atMost(Duration.ofSeconds(30)).until(() -> current.id().equals(alone.leaderId()));
            assertThat(Counter.read(alone)).isEqualTo(12);
            assertThat(Counter.add(alone, 1)).isEqualTo(13);
        }
    }

    @Test
    void aMemberListThatContradictsTheStoredConfigurationIsRefusedNamingBoth() throws Exception {
        try (LocalCluster cluster = new LocalCluster(data, IDS)) {
            total(cluster.awaitLeader().submit(add(1)).get(30, TimeUnit.SECONDS));
            String victim = cluster.aFollower().id();
            String other = IDS.stream().filter(id -> !id.equals(victim)).findFirst().orElseThrow();
            cluster.stop(victim);
            Map<String, String> wrong = new LinkedHashMap<>(cluster.members);
            wrong.put(other, "127.0.0.1:" + LocalCluster.freePort());
            assertThatThrownBy(() -> cluster.start(victim, wrong)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(other + " = " + wrong.get(other))
                    .hasMessageContaining(other + " = " + cluster.members.get(other));
            // The refused start left the directory unlocked: the right list starts it.
            RaftNode back = cluster.start(victim);
            await().ignoreExceptions().atMost(Duration.ofSeconds(30)).until(() -> Counter.read(back) == 1);
        }
    }

    @Test
    void anotherServersDataDirectoryIsRefused() throws Exception {
        try (LocalCluster cluster = new LocalCluster(data, IDS)) {
            total(cluster.awaitLeader().submit(add(1)).get(30, TimeUnit.SECONDS));
            cluster.stop("n3");
            cluster.stop("n2");
            assertThatThrownBy(() -> Counter.start("n3", cluster.members, cluster.dataDirectory("n2")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("belongs to server 'n2', not to 'n3'");
        }
    }

    @Test
    void everyClusterGetsItsOwnIdAndEveryServerRecordsIt() throws Exception {
        Set<String> ids = new HashSet<>();
        for (String name : List.of("a", "b")) {
            try (LocalCluster cluster = new LocalCluster(data.resolve(name), IDS)) {
                total(cluster.awaitLeader().submit(add(1)).get(30, TimeUnit.SECONDS));
                await().atMost(Duration.ofSeconds(30)).until(() -> cluster.nodes.values().stream()
                        .allMatch(n -> n.clusterId() != null));
                String id = cluster.nodes.get("n1").clusterId();
                assertThat(cluster.nodes.values()).allSatisfy(n -> assertThat(n.clusterId()).isEqualTo(id));
                ids.add(id);
                // Recorded: a restart knows it before hearing from anyone.
                cluster.stop("n1");
                assertThat(cluster.start("n1").clusterId()).isEqualTo(id);
            }
        }
        assertThat(ids).hasSize(2);
    }

    @Test
    void aServerOnAnotherClustersDirectoryIsRefusedByThePeers() throws Exception {
        Map<String, String> addresses = LocalCluster.freeAddresses(IDS);
        Path blue = data.resolve("blue");
        try (LocalCluster cluster = new LocalCluster(blue, addresses)) {
            assertThat(total(cluster.awaitLeader().submit(add(100)).get(30, TimeUnit.SECONDS))).isEqualTo(100);
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.nodes.get("n3").clusterId() != null);
        }
        // Another cluster on the same addresses (the ports were reused), with the same ids and terms.
        Path green = data.resolve("green");
        try (LocalCluster cluster = new LocalCluster(green, addresses)) {
            assertThat(total(cluster.awaitLeader().submit(add(1)).get(30, TimeUnit.SECONDS))).isEqualTo(1);
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.nodes.values().stream()
                    .allMatch(n -> n.clusterId() != null));
            String greenId = cluster.nodes.get("n1").clusterId();
            cluster.stop("n3");
            // n3 comes back on blue's n3 directory: its log "matches" by index and term, but it is not ours.
            NettyTransport transport = new NettyTransportProvider().create(null, "n3", addresses);
            try (RaftNode impostor = RaftNode.builder().id("n3").members(addresses)
                    .dataDirectory(blue.resolve("n3")).transport(transport).stateMachine(new Counter()).build()
                    .start()) {
                assertThat(impostor.clusterId()).isNotNull().isNotEqualTo(greenId);
                await().atMost(Duration.ofSeconds(30)).until(() -> transport.metrics().handshakeFailures() > 0);
                // Green goes on without it; blue's value never reaches green, nor green's the impostor.
                RaftNode leader = cluster.awaitLeader();
                assertThat(total(leader.submit(add(1)).get(30, TimeUnit.SECONDS))).isEqualTo(2);
                assertThat(transport.metrics().inboundConnections() + transport.metrics().outboundConnections())
                        .isZero();
            }
        }
    }
}
