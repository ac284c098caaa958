package io.keelraft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Three protocol cores wired through NettyTransports on loopback: they elect a leader and replicate. */
@Timeout(120)
class ThreeNodeRaftClusterTest {

    private final Map<String, ProtocolLoop> servers = new LinkedHashMap<>();

    @AfterEach
    void stop() {
        servers.values().forEach(ProtocolLoop::close);
    }

    @Test
    void electsALeaderAndReplicatesProposalsToAllThree() {
        List<String> ids = List.of("n1", "n2", "n3");
        Map<String, PeerAddress> addresses = new LinkedHashMap<>();
        ids.forEach(id -> addresses.put(id, FreePorts.loopback()));
        ClusterConfiguration voters = ClusterConfiguration.ofVoters(Set.copyOf(ids));
        long seed = 1;
        for (String id : ids) {
            NettyTransportOptions.Builder options = NettyTransportOptions.builder(id, "keel-raft-it")
                    .listen(addresses.get(id))
                    .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(500))
                    .ioThreads(1);
            addresses.forEach((peer, address) -> {
                if (!peer.equals(id)) {
                    options.peer(peer, address);
                }
            });
            servers.put(id, new ProtocolLoop(id, voters, options.build(), seed++));
        }
        servers.values().forEach(ProtocolLoop::start);

        ProtocolLoop leader = awaitLeader(servers.values());
        List<String> commands = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String command = "set k" + i + " v" + i;
            commands.add(command);
            await().atMost(Duration.ofSeconds(30)).until(() -> proposeToLeader(servers.values(), command));
        }
        for (ProtocolLoop server : servers.values()) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(server.applied).containsExactlyElementsOf(commands));
        }
        assertThat(leader.transport().metrics().rejectedConnections()).isZero();

        // The leader goes away: the other two elect one of themselves and go on committing.
        String old = servers.entrySet().stream().filter(e -> e.getValue() == leaderOf(servers.values()))
                .map(Map.Entry::getKey).findFirst().orElseThrow();
        servers.remove(old).close();
        ProtocolLoop next = awaitLeader(servers.values());
        commands.add("after failover");
        await().atMost(Duration.ofSeconds(30)).until(() -> proposeToLeader(servers.values(), "after failover"));
        for (ProtocolLoop server : servers.values()) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(server.applied).containsExactlyElementsOf(commands));
        }
        assertThat(next.transport().metrics().messagesReceived()).isPositive();
    }

    private static ProtocolLoop awaitLeader(Iterable<ProtocolLoop> servers) {
        await().atMost(Duration.ofSeconds(30)).until(() -> leaderOf(servers) != null);
        return leaderOf(servers);
    }

    /** The leader of the highest term, or null while there is none. */
    private static ProtocolLoop leaderOf(Iterable<ProtocolLoop> servers) {
        ProtocolLoop leader = null;
        long term = -1;
        for (ProtocolLoop s : servers) {
            if (s.role() == Role.LEADER && s.term() > term) {
                leader = s;
                term = s.term();
            }
        }
        return leader;
    }

    /** Proposes on whichever server leads now; false while none does (a leader change under a loaded machine). */
    private static boolean proposeToLeader(Iterable<ProtocolLoop> servers, String command) {
        ProtocolLoop leader = leaderOf(servers);
        return leader != null && leader.propose(command);
    }
}
