package io.keelraft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.protocol.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link NettyTransport#membersChanged}: servers added and removed at runtime, and a server waiting to be added. */
@Timeout(60)
class DynamicMembershipTest {

    private static final String CLUSTER = LoopbackCluster.CLUSTER_ID;

    private final Map<String, PeerAddress> addresses = new LinkedHashMap<>();
    private final Map<String, RecordingReceiver> receivers = new LinkedHashMap<>();
    private final List<NettyTransport> started = new ArrayList<>();

    @AfterEach
    void closeAll() {
        started.forEach(NettyTransport::close);
    }

    private PeerAddress address(String id) {
        return addresses.computeIfAbsent(id, i -> FreePorts.loopback());
    }

    /** Starts {@code id} knowing only {@code peers}. */
    private NettyTransport start(String id, String... peers) {
        NettyTransportOptions.Builder b = NettyTransportOptions.builder(id, CLUSTER)
                .listen(address(id))
                .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(200))
                .ioThreads(1);
        for (String peer : peers) {
            b.peer(peer, address(peer));
        }
        NettyTransport t = new NettyTransport(b.build());
        RecordingReceiver r = new RecordingReceiver();
        receivers.put(id, r);
        t.start(r);
        started.add(t);
        return t;
    }

    /** What the runtime passes: {@code ids} with their addresses. */
    private Map<String, String> members(String... ids) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String id : ids) {
            PeerAddress a = address(id);
            m.put(id, a.host() + ":" + a.port());
        }
        return m;
    }

    private static Message vote(String from, String to, long term) {
        return new Message.RequestVote(term, from, to, 0, 0, true);
    }

    @Test
    void addedServerIsDialledAdmittedAndReachedBothWays() {
        NettyTransport n1 = start("n1", "n2");
        NettyTransport n2 = start("n2", "n1");
        NettyTransport n3 = start("n3", "n1", "n2");
        n3.membersChanged(members("n1", "n2", "n3"));
        await().until(() -> n1.isConnected("n2") && n2.isConnected("n1"));
        // n1 does not know n3 yet: n3's handshakes are refused.
        await().until(() -> n1.metrics().handshakeFailures() > 0);
        // (n3's own side of a refused connection may count as up for a moment, until n1's close reaches it.)
        assertThat(n1.inboundConnections("n3")).isZero();

        n1.membersChanged(members("n1", "n2", "n3"));
        n2.membersChanged(members("n1", "n2", "n3"));
        assertThat(n1.peers()).containsExactlyInAnyOrder("n2", "n3");
        await().until(() -> n1.isConnected("n3") && n3.isConnected("n1") && n2.isConnected("n3")
                && n3.isConnected("n2"));

        n1.send(vote("n1", "n3", 1));
        n3.send(vote("n3", "n1", 2));
        n3.send(vote("n3", "n2", 3));
        await().untilAsserted(() -> {
            assertThat(receivers.get("n3").from("n1")).containsExactly(vote("n1", "n3", 1));
            assertThat(receivers.get("n1").from("n3")).containsExactly(vote("n3", "n1", 2));
            assertThat(receivers.get("n2").from("n3")).containsExactly(vote("n3", "n2", 3));
        });
        // The connection that was up is kept: no reconnect for an unchanged member.
        assertThat(n1.metrics().outboundConnections()).isEqualTo(2);
    }

    @Test
    void removedServerIsCutOffInBothDirections() {
        NettyTransport n1 = start("n1", "n2", "n3");
        NettyTransport n2 = start("n2", "n1", "n3");
        NettyTransport n3 = start("n3", "n1", "n2");
        await().until(() -> n1.isConnected("n3") && n3.isConnected("n1") && n1.inboundConnections("n3") == 1
                && n1.isConnected("n2"));

        n1.membersChanged(members("n1", "n2"));

        assertThat(n1.peers()).containsExactly("n2");
        await().until(() -> !n1.isConnected("n3") && n1.inboundConnections("n3") == 0 && !n3.isConnected("n1"));
        long dropped = n1.metrics().droppedUnreachable();
        n1.send(vote("n1", "n3", 5));
        assertThat(n1.metrics().droppedUnreachable()).isEqualTo(dropped + 1);
        n3.send(vote("n3", "n1", 6)); // n3 still tries: its reconnects are refused, so nothing arrives
        // A marker through a member proves the messages above had their chance to arrive.
        n1.send(vote("n1", "n2", 7));
        await().until(() -> receivers.get("n2").from("n1").contains(vote("n1", "n2", 7)));
        await().until(() -> n1.metrics().handshakeFailures() > 0);
        assertThat(receivers.get("n3").from("n1")).isEmpty();
        assertThat(receivers.get("n1").from("n3")).isEmpty();
        assertThat(n2.isConnected("n3")).isTrue(); // n2 has not removed it (yet)
    }

    @Test
    void aRemovedServerThatKeepsDiallingBacksOffInsteadOfRetryingAtTheMinimumDelay() {
        NettyTransport n1 = start("n1", "n3");
        NettyTransport n3 = start("n3", "n1");
        await().until(() -> n1.isConnected("n3") && n3.isConnected("n1"));
        long before = n1.metrics().handshakeFailures();
        long removedAt = System.nanoTime();
        n1.membersChanged(members("n1"));
        // Each refused attempt gets through TCP and both hellos before n1 closes it: it must count as a failure,
        // or n3 would knock every 10-20 ms forever (and n1 log a refusal each time). With delays from 20 ms
        // doubling to 200 ms (each at least half its step), eight refusals take at least
        // 10 + 20 + 40 + 80 + 4 * 100 = 550 ms.
        await().atMost(Duration.ofSeconds(30)).until(() -> n1.metrics().handshakeFailures() >= before + 8);
        assertThat(Duration.ofNanos(System.nanoTime() - removedAt)).isGreaterThanOrEqualTo(Duration.ofMillis(550));
    }

    @Test
    void unknownServerIsRefusedWithTheReason() {
        NettyTransport n1 = start("n1", "n2");
        n1.membersChanged(members("n1", "n2"));
        try (RawPeer stranger = RawPeer.connect(n1.listenAddress())) {
            stranger.handshake(CLUSTER, "n9");
            await().until(stranger::closedByOtherSide);
        }
        assertThat(n1.metrics().handshakeFailures()).isEqualTo(1);
        assertThat(n1.inboundConnections("n9")).isZero();
    }

    @Test
    void serverWaitingToBeAddedAdmitsALeaderItNeverHeardOfAndAnswersIt() {
        // n4 is started with the one address the operator gave it (n1), and is not a member yet.
        NettyTransport n4 = start("n4", "n1");
        n4.membersChanged(members("n1"));
        // The leader, n5 (added after n4's operator looked), now has a configuration with n4 as a learner.
        NettyTransport n5 = start("n5");
        n5.membersChanged(members("n5", "n4"));
        await().until(() -> n5.isConnected("n4") && n4.inboundConnections("n5") == 1);

        n5.send(vote("n5", "n4", 1));
        await().until(() -> receivers.get("n4").from("n5").size() == 1);
        // n4 has no address for n5: the answer leaves on n5's own connection.
        n4.send(vote("n4", "n5", 2));
        await().untilAsserted(() -> assertThat(receivers.get("n5").from("n4")).containsExactly(vote("n4", "n5", 2)));

        // The configuration reaches n4: it is a member, knows n5's address and dials it; strangers are refused.
        n4.membersChanged(members("n4", "n5"));
        await().until(() -> n4.isConnected("n5"));
        try (RawPeer stranger = RawPeer.connect(n4.listenAddress())) {
            stranger.handshake(CLUSTER, "n9");
            await().until(stranger::closedByOtherSide);
        }
        assertThat(n4.metrics().handshakeFailures()).isGreaterThanOrEqualTo(1);
        n4.send(vote("n4", "n5", 3));
        await().until(() -> receivers.get("n5").from("n4").size() == 2);
    }

    @Test
    void whileOurConnectionToAPeerIsDownMessagesLeaveOnItsConnectionToUs() {
        // n1's dial of n2 cannot succeed (nobody listens at the address it has); n2 dials n1 fine.
        addresses.put("n2-elsewhere", FreePorts.loopback());
        NettyTransport n1 = new NettyTransport(NettyTransportOptions.builder("n1", CLUSTER).listen(address("n1"))
                .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(200)).ioThreads(1)
                .peer("n2", addresses.get("n2-elsewhere")).build());
        receivers.put("n1", new RecordingReceiver());
        n1.start(receivers.get("n1"));
        started.add(n1);
        start("n2", "n1");
        await().until(() -> n1.inboundConnections("n2") == 1);
        assertThat(n1.isConnected("n2")).isFalse();

        n1.send(vote("n1", "n2", 4));
        await().untilAsserted(() -> assertThat(receivers.get("n2").from("n1")).containsExactly(vote("n1", "n2", 4)));
    }

    @Test
    void anotherClusterIsRefusedEvenWhileWaitingToBeAdded() {
        NettyTransport n4 = start("n4");
        n4.membersChanged(Map.of());
        try (RawPeer stranger = RawPeer.connect(n4.listenAddress())) {
            stranger.handshake("other-cluster", "n5");
            await().until(stranger::closedByOtherSide);
        }
        assertThat(n4.metrics().handshakeFailures()).isEqualTo(1);
        assertThat(n4.inboundConnections("n5")).isZero();
    }

    @Test
    void changedAddressIsRedialled() {
        NettyTransport n1 = start("n1", "n2");
        start("n2", "n1");
        await().until(() -> n1.isConnected("n2"));
        // n2 "moves": a new transport for n2 on a new port, and n1 is told the new address.
        started.remove(started.size() - 1).close();
        addresses.remove("n2");
        start("n2", "n1");
        n1.membersChanged(members("n1", "n2"));
        await().until(() -> n1.isConnected("n2"));
        n1.send(vote("n1", "n2", 9));
        await().until(() -> receivers.get("n2").from("n1").contains(vote("n1", "n2", 9)));
    }
}
