package io.keelraft.transport.netty;

import static io.keelraft.testkit.memory.KeyValueStateMachine.get;
import static io.keelraft.testkit.memory.KeyValueStateMachine.put;
import static io.keelraft.testkit.memory.KeyValueStateMachine.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.protocol.Message;
import io.keelraft.core.Role;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.spi.Transport;
import io.keelraft.core.spi.TransportProvider;
import io.keelraft.testkit.memory.InMemoryLogStore;
import io.keelraft.testkit.memory.InMemoryMetaStore;
import io.keelraft.testkit.memory.KeyValueStateMachine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** raft-core finds this module's transport through {@link ServiceLoader}, and what it gets works. */
@Timeout(60)
class NettyTransportProviderTest {

    @Test
    void serviceLoaderFindsTheNettyProvider() {
        List<String> found = ServiceLoader.load(TransportProvider.class).stream()
                .map(p -> p.type().getName()).toList();
        assertThat(found).containsExactly(NettyTransportProvider.class.getName());
    }

    @Test
    void transportsBuiltThroughTheProviderExchangeMessagesAndForwards() throws Exception {
        Map<String, String> members = members("n1", "n2");
        TransportProvider provider = ServiceLoader.load(TransportProvider.class).findFirst().orElseThrow();
        RecordingReceiver r1 = new RecordingReceiver();
        RecordingReceiver r2 = new RecordingReceiver();
        try (Transport t1 = provider.create("provided", "n1", members);
             Transport t2 = provider.create("provided", "n2", members)) {
            assertThat(t1).isInstanceOf(NettyTransport.class);
            NettyTransport n1 = (NettyTransport) t1;
            NettyTransport n2 = (NettyTransport) t2;
            assertThat(n1.options().clusterId()).isEqualTo("provided");
            assertThat(n1.options().listenAddress()).hasToString(members.get("n1"));
            assertThat(n1.options().peers()).containsOnlyKeys("n2");
            assertThat(n1.options().peers().get("n2")).hasToString(members.get("n2"));

            t1.start(r1);
            t2.start(r2);
            await().until(() -> n1.isConnected("n2") && n2.isConnected("n1"));

            Message vote = new Message.RequestVote(5, "n1", "n2", 3, 2, true);
            t1.send(vote);
            await().untilAsserted(() -> assertThat(r2.messages).containsExactly(vote));
            Message reply = new Message.RequestVoteResponse(5, "n2", "n1", true, true);
            t2.send(reply);
            await().untilAsserted(() -> assertThat(r1.messages).containsExactly(reply));

            r2.forwards = (from, request) -> CompletableFuture.completedFuture(
                    new ForwardResponse.Failed(ForwardResponse.Reason.SESSION_EXPIRED, null, "asked by " + from));
            assertThat(t1.forward("n2", new ForwardRequest.Submit("c".getBytes())).get(10, TimeUnit.SECONDS))
                    .isEqualTo(new ForwardResponse.Failed(ForwardResponse.Reason.SESSION_EXPIRED, null, "asked by n1"));
        }
    }

    @Test
    void badMembersAreRefusedNamingTheProblem() {
        NettyTransportProvider provider = new NettyTransportProvider();
        assertThatThrownBy(() -> provider.create("c", "n9", Map.of("n1", "127.0.0.1:7000")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n9 is not one of the members");
        assertThatThrownBy(() -> provider.create("c", "n1", Map.of("n1", "127.0.0.1:7000", "n2", "nowhere")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected host:port");
    }

    @Test
    void theLivenessTimeoutIsTheNodesElectionTimeout() {
        Map<String, String> members = members("n1", "n2");
        TransportProvider provider = new NettyTransportProvider();
        try (var t = (NettyTransport) provider.create("c", "n1", members, Duration.ofMillis(750))) {
            assertThat(t.options().livenessTimeout()).isEqualTo(Duration.ofMillis(750));
        }
        try (var t = (NettyTransport) provider.create("c", "n1", members)) {
            assertThat(t.options().livenessTimeout()).isEqualTo(Duration.ofSeconds(1));
        }
    }

    /** RaftNodes given only members' host:port (no transport) elect a leader and replicate over Netty. */
    @Test
    void raftNodesWithoutAnExplicitTransportFormAClusterOverNetty() throws Exception {
        Map<String, String> members = members("n1", "n2", "n3");
        RaftOptions options = RaftOptions.builder().electionTimeout(Duration.ofMillis(300))
                .heartbeatInterval(Duration.ofMillis(30)).build();
        List<RaftNode> nodes = new ArrayList<>();
        Map<String, KeyValueStateMachine> machines = new LinkedHashMap<>();
        try {
            for (String id : members.keySet()) {
                KeyValueStateMachine sm = new KeyValueStateMachine();
                machines.put(id, sm);
                nodes.add(RaftNode.builder().id(id).members(members).clusterId("provided")
                        .stores(new InMemoryLogStore(id), new InMemoryMetaStore())
                        .stateMachine(sm).options(options).build().start());
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> nodes.stream().filter(n -> n.role() == Role.LEADER).count() == 1);
            RaftNode leader = nodes.stream().filter(n -> n.role() == Role.LEADER).findFirst().orElseThrow();
            RaftNode follower = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();

            leader.submit(put("k", "from the leader")).get(10, TimeUnit.SECONDS);
            // Forwarded to the leader over the transport; completes once this follower has applied it too.
            follower.submit(put("k2", "from a follower")).get(10, TimeUnit.SECONDS);
            assertThat(text(follower.query(get("k")).get(10, TimeUnit.SECONDS))).isEqualTo("from the leader");
            await().untilAsserted(() -> assertThat(machines.values()).allSatisfy(sm -> {
                assertThat(sm.value("k")).isEqualTo("from the leader");
                assertThat(sm.value("k2")).isEqualTo("from a follower");
            }));
        } finally {
            nodes.forEach(RaftNode::close);
        }
    }

    private static Map<String, String> members(String... ids) {
        Map<String, String> members = new LinkedHashMap<>();
        for (String id : ids) {
            members.put(id, FreePorts.loopback().toString());
        }
        return members;
    }
}
