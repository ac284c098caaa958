package io.keelraft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.protocol.Message;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.TransportException;
import io.keelraft.transport.netty.wire.Frame;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class NettyTransportTest {

    private LoopbackCluster cluster;

    @AfterEach
    void closeCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void twoTransportsExchangeEveryMessageKindInOrder() {
        cluster = new LoopbackCluster("n1", "n2").startAll();
        await().until(cluster::fullyConnected);

        List<Message> toN2 = SampleMessages.all("n1", "n2");
        List<Message> toN1 = SampleMessages.all("n2", "n1");
        toN2.forEach(cluster.transport("n1")::send);
        toN1.forEach(cluster.transport("n2")::send);

        await().untilAsserted(() -> {
            assertThat(cluster.receiver("n2").messages).isEqualTo(toN2);
            assertThat(cluster.receiver("n1").messages).isEqualTo(toN1);
        });
        TransportMetrics m = cluster.transport("n1").metrics();
        assertThat(m.messagesSent()).isEqualTo(toN2.size());
        assertThat(m.messagesReceived()).isEqualTo(toN1.size());
        assertThat(m.outboundConnections()).isEqualTo(1);
        assertThat(m.inboundConnections()).isEqualTo(1);
        assertThat(m.rejectedConnections()).isZero();
    }

    @Test
    void threeTransportsTalkPairwise() {
        cluster = new LoopbackCluster("n1", "n2", "n3").startAll();
        await().until(cluster::fullyConnected);
        List<String> ids = List.of("n1", "n2", "n3");
        for (String from : ids) {
            for (String to : ids) {
                if (!from.equals(to)) {
                    cluster.transport(from).send(new Message.RequestVote(1, from, to, 0, 0, true));
                }
            }
        }
        for (String to : ids) {
            await().untilAsserted(() -> assertThat(cluster.receiver(to).messages)
                    .extracting(Message::from)
                    .containsExactlyInAnyOrderElementsOf(ids.stream().filter(id -> !id.equals(to)).toList()));
            assertThat(cluster.receiver(to).messages).allSatisfy(m -> assertThat(m.to()).isEqualTo(to));
        }
    }

    @Test
    void reconnectsAfterThePeerRestarts() {
        cluster = new LoopbackCluster("n1", "n2").startAll();
        await().until(cluster::fullyConnected);
        NettyTransport n1 = cluster.transport("n1");

        cluster.stop("n2");
        await().until(() -> !n1.isConnected("n2"));
        n1.send(new Message.RequestVote(2, "n1", "n2", 0, 0, false));
        assertThat(n1.metrics().droppedUnreachable()).isEqualTo(1);

        cluster.start("n2");
        await().until(() -> n1.isConnected("n2"));
        Message after = new Message.RequestVote(3, "n1", "n2", 0, 0, false);
        n1.send(after);
        await().untilAsserted(() -> assertThat(cluster.receiver("n2").messages).containsExactly(after));
        assertThat(n1.metrics().outboundConnections()).isEqualTo(2);
    }

    @Test
    void forwardedRequestsAreAnsweredOnTheirConnection() throws Exception {
        cluster = new LoopbackCluster("n1", "n2").startAll();
        await().until(cluster::fullyConnected);
        cluster.receiver("n2").forwards = (from, request) -> CompletableFuture.completedFuture(
                request instanceof ForwardRequest.Submit s
                        ? new ForwardResponse.Applied(7, ("applied " + new String(s.command()) + " from " + from).getBytes())
                        : new ForwardResponse.ReadIndex(99));

        ForwardResponse applied = cluster.transport("n1").forward("n2", new ForwardRequest.Submit("x".getBytes()))
                .get(10, TimeUnit.SECONDS);
        assertThat(applied).isInstanceOfSatisfying(ForwardResponse.Applied.class, a -> {
            assertThat(a.index()).isEqualTo(7);
            assertThat(new String(a.result())).isEqualTo("applied x from n1");
        });
        assertThat(cluster.transport("n1").forward("n2", new ForwardRequest.ReadIndex()).get(10, TimeUnit.SECONDS))
                .isEqualTo(new ForwardResponse.ReadIndex(99));
    }

    /**
     * A whole snapshot in chunks of the default size (1 MiB) and one of 4 MiB, through the default options (frame
     * limit, high-water mark, forward timeout): the follower checks each chunk's CRC and answers the next offset.
     */
    @Test
    void snapshotChunksOfSeveralMegabytesTravelAsForwardedRequests() throws Exception {
        cluster = new LoopbackCluster("n1", "n2").startAll();
        await().until(cluster::fullyConnected);
        byte[] snapshot = new byte[7 << 20];
        new java.util.Random(7).nextBytes(snapshot);
        java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
        cluster.receiver("n2").forwards = (from, request) -> {
            ForwardRequest.InstallSnapshotChunk c = (ForwardRequest.InstallSnapshotChunk) request;
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(c.data());
            assertThat((int) crc.getValue()).isEqualTo(c.chunkCrc32c());
            assertThat(c.leaderId()).isEqualTo(from);
            synchronized (received) {
                received.writeBytes(c.data());
            }
            return CompletableFuture.completedFuture(
                    new ForwardResponse.SnapshotChunkAccepted(c.term(), c.offset() + c.data().length));
        };
        long offset = 0;
        int[] sizes = {1 << 20, 4 << 20, 1 << 20, 1 << 20};
        for (int size : sizes) {
            byte[] data = java.util.Arrays.copyOfRange(snapshot, (int) offset, (int) offset + size);
            ForwardResponse answer = cluster.transport("n1").forward("n2",
                    SampleMessages.chunk("n1", snapshot.length, offset, data)).get(10, TimeUnit.SECONDS);
            assertThat(answer).isEqualTo(new ForwardResponse.SnapshotChunkAccepted(9, offset + size));
            offset += size;
        }
        synchronized (received) {
            assertThat(received.toByteArray()).isEqualTo(snapshot);
        }
    }

    @Test
    void aReceiverThatThrowsAnswersInternalFailure() throws Exception {
        cluster = new LoopbackCluster("n1", "n2").startAll();
        await().until(cluster::fullyConnected);
        cluster.receiver("n2").forwards = (from, request) -> {
            throw new IllegalStateException("state machine on fire");
        };
        ForwardResponse answer = cluster.transport("n1").forward("n2", new ForwardRequest.ReadIndex())
                .get(10, TimeUnit.SECONDS);
        assertThat(answer).isInstanceOfSatisfying(ForwardResponse.Failed.class, f -> {
            assertThat(f.reason()).isEqualTo(ForwardResponse.Reason.INTERNAL);
            assertThat(f.message()).contains("state machine on fire");
        });
    }

    @Test
    void aRequestWaitingWhenTheConnectionClosesMayHaveBeenSent() {
        cluster = new LoopbackCluster("n1", "n2").startAll();
        await().until(cluster::fullyConnected);
        CompletableFuture<ForwardRequest> received = new CompletableFuture<>();
        cluster.receiver("n2").forwards = (from, request) -> {
            received.complete(request);
            return new CompletableFuture<>(); // never answers
        };
        CompletableFuture<ForwardResponse> answer = cluster.transport("n1").forward("n2",
                new ForwardRequest.Submit("x".getBytes()));
        await().until(received::isDone); // the peer has it, and might have appended it
        cluster.transport("n2").close();
        assertThat(answer).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(TransportException.class);
        assertThat(transportFailure(answer).mayHaveBeenSent()).isTrue();
    }

    @Test
    void forwardedRequestsTimeOut() {
        cluster = new LoopbackCluster(b -> b.forwardTimeout(Duration.ofMillis(200)), "n1", "n2").startAll();
        await().until(cluster::fullyConnected);
        cluster.receiver("n2").forwards = (from, request) -> new CompletableFuture<>(); // never answers

        CompletableFuture<ForwardResponse> answer = cluster.transport("n1").forward("n2",
                new ForwardRequest.ReadIndex());
        assertThatThrownBy(() -> answer.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TransportException.class)
                .hasMessageContaining("did not answer");
        // The peer has the request and may act on it: a command forwarded so has an unknown outcome.
        assertThat(transportFailure(answer).mayHaveBeenSent()).isTrue();
        assertThat(cluster.transport("n1").metrics().forwardTimeouts()).isEqualTo(1);
    }

    @Test
    void forwardingToAnUnreachableOrUnknownPeerFailsAtOnce() {
        cluster = new LoopbackCluster("n1", "n2");
        cluster.start("n1");
        CompletableFuture<ForwardResponse> noConnection = cluster.transport("n1").forward("n2",
                new ForwardRequest.ReadIndex());
        assertThat(noConnection)
                .failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(TransportException.class).withMessageContaining("no connection to peer n2");
        CompletableFuture<ForwardResponse> noPeer = cluster.transport("n1").forward("n9",
                new ForwardRequest.ReadIndex());
        assertThat(noPeer)
                .failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                .withMessageContaining("has no peer n9");
        // Neither left this process: a command forwarded so certainly did not take effect.
        assertThat(transportFailure(noConnection).mayHaveBeenSent()).isFalse();
        assertThat(transportFailure(noPeer).mayHaveBeenSent()).isFalse();
        cluster.transport("n1").send(new Message.RequestVote(1, "n1", "n9", 0, 0, false));
        assertThat(cluster.transport("n1").metrics().droppedUnreachable()).isEqualTo(1);
    }

    @Test
    void anotherClusterIsRefusedOnBothSides() {
        cluster = new LoopbackCluster("n1", "n2");
        cluster.start("n1");
        cluster.start("n2", NettyTransportOptions.builder("n2", "another-cluster")
                .listen(cluster.address("n2")).peer("n1", cluster.address("n1"))
                .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(200)).build());

        await().untilAsserted(() -> {
            assertThat(cluster.transport("n1").metrics().handshakeFailures()).isGreaterThanOrEqualTo(2);
            assertThat(cluster.transport("n2").metrics().handshakeFailures()).isGreaterThanOrEqualTo(2);
        });
        assertThat(cluster.transport("n1").isConnected("n2")).isFalse();
        assertThat(cluster.transport("n1").metrics().inboundConnections()).isZero();
        cluster.transport("n1").send(new Message.RequestVote(1, "n1", "n2", 0, 0, false));
        assertThat(cluster.receiver("n2").messages).isEmpty();
    }

    @Test
    void aServerAtTheWrongAddressOrWithAnUnknownIdIsRefused() {
        // n1 believes n2 lives where n3 does; n3 knows n1, but n1 has never heard of n3.
        cluster = new LoopbackCluster("n1", "n3");
        cluster.start("n1", NettyTransportOptions.builder("n1", LoopbackCluster.CLUSTER_ID)
                .listen(cluster.address("n1")).peer("n2", cluster.address("n3"))
                .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(200)).build());
        cluster.start("n3");

        await().untilAsserted(() -> assertThat(cluster.transport("n1").metrics().handshakeFailures())
                .isGreaterThanOrEqualTo(4)); // both its dialling of "n2" and n3's dialling of it
        assertThat(cluster.transport("n1").isConnected("n2")).isFalse();
        assertThat(cluster.transport("n1").metrics().outboundConnections()).isZero();
        assertThat(cluster.transport("n1").metrics().inboundConnections()).isZero();
    }

    @Test
    void pastTheHighWaterMarkMessagesAreDroppedAndCountedUntilThePeerCatchesUp() throws Exception {
        int highWaterMark = 64 * 1024;
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            PeerAddress slowPeer = new PeerAddress("127.0.0.1", server.getLocalPort());
            NettyTransport n1 = new NettyTransport(NettyTransportOptions.builder("n1", LoopbackCluster.CLUSTER_ID)
                    .listen("127.0.0.1:0").peer("slow", slowPeer).highWaterMarkBytes(highWaterMark).build());
            try (n1) {
                n1.start(new RecordingReceiver());
                server.setSoTimeout(10_000);
                try (RawPeer slow = new RawPeer(server.accept())) {
                    slow.handshake(LoopbackCluster.CLUSTER_ID, "slow");
                    await().until(() -> n1.isConnected("slow"));

                    // The slow peer reads nothing: kernel buffers fill, then our pending writes pass the mark.
                    Message append = SampleMessages.append("n1", "slow", 0, 64, 1024);
                    int attempts = 0;
                    while (n1.metrics().droppedHighWaterMark() == 0 && attempts < 20_000) {
                        n1.send(append);
                        attempts++;
                    }
                    TransportMetrics m = n1.metrics();
                    assertThat(m.droppedHighWaterMark()).isPositive();
                    assertThat(m.messagesSent() + m.droppedHighWaterMark()).isEqualTo(attempts);

                    // Once the peer reads again, messages flow again.
                    Thread drain = new Thread(() -> drain(slow.socket()), "slow-peer-drain");
                    drain.start();
                    long sentBefore = m.messagesSent();
                    await().untilAsserted(() -> {
                        n1.send(new Message.RequestVote(1, "n1", "slow", 0, 0, false));
                        assertThat(n1.metrics().messagesSent()).isGreaterThan(sentBefore);
                    });
                }
            }
        }
    }

    @Test
    void outboundConnectionsLeaveFromTheServersOwnAddress() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // Listening on a second loopback alias: connections out must come from it too.
            NettyTransport n1 = new NettyTransport(NettyTransportOptions.builder("n1", LoopbackCluster.CLUSTER_ID)
                    .listen("127.0.0.2:0").peer("n2", new PeerAddress("127.0.0.1", server.getLocalPort())).build());
            try (n1) {
                n1.start(new RecordingReceiver());
                assertThat(n1.listenAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.2");
                server.setSoTimeout(10_000);
                try (RawPeer n2 = new RawPeer(server.accept())) {
                    assertThat(n2.socket().getInetAddress().getHostAddress()).isEqualTo("127.0.0.2");
                    Frame hello = n2.handshake(LoopbackCluster.CLUSTER_ID, "n2");
                    assertThat(hello.getHandshake().getNodeId()).isEqualTo("n1");
                    assertThat(hello.getHandshake().getClusterId()).isEqualTo(LoopbackCluster.CLUSTER_ID);
                }
            }
        }
    }

    @Test
    void closeStopsEveryThreadAndIsIdempotent() {
        NettyTransport n1 = new NettyTransport(NettyTransportOptions.builder("closer", LoopbackCluster.CLUSTER_ID)
                .listen("127.0.0.1:0").peer("n2", FreePorts.loopback()).build());
        n1.start(new RecordingReceiver());
        assertThat(threadsNamed("keel-transport-closer")).isPositive();
        InetSocketAddress bound = n1.listenAddress();
        assertThat(bound.getPort()).isPositive();

        n1.close();
        n1.close();
        // close() has waited for every executor to terminate; a thread still returns from its run loop after that.
        await().atMost(Duration.ofSeconds(2)).until(() -> threadsNamed("keel-transport-closer") == 0);
        n1.send(new Message.RequestVote(1, "closer", "n2", 0, 0, false));
        assertThat(n1.metrics().messagesSent()).isZero();
        assertThatThrownBy(() -> n1.start(new RecordingReceiver())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeEndsEveryConnectionInAndOutBeforeReturning() throws Exception {
        try (ServerSocket peerServer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            NettyTransport n1 = new NettyTransport(NettyTransportOptions.builder("n1", LoopbackCluster.CLUSTER_ID)
                    .listen("127.0.0.1:0").peer("n2", new PeerAddress("127.0.0.1", peerServer.getLocalPort()))
                    .build());
            try (n1) {
                n1.start(new RecordingReceiver());
                peerServer.setSoTimeout(10_000);
                try (RawPeer outbound = new RawPeer(peerServer.accept());
                     RawPeer inbound = RawPeer.connect(n1.listenAddress())) {
                    outbound.handshake(LoopbackCluster.CLUSTER_ID, "n2");
                    inbound.handshake(LoopbackCluster.CLUSTER_ID, "n2");
                    await().until(() -> n1.isConnected("n2") && n1.metrics().inboundConnections() == 1);

                    n1.close();
                    // close() has waited for both connections to close: each raw peer reads the end at once.
                    outbound.socket().setSoTimeout(1_000);
                    inbound.socket().setSoTimeout(1_000);
                    assertThat(outbound.closedByOtherSide()).as("our connection to n2").isTrue();
                    assertThat(inbound.closedByOtherSide()).as("n2's connection to us").isTrue();
                }
            }
        }
    }

    @Test
    void aListenAddressInUseFailsStartNamingIt() {
        NettyTransport first = new NettyTransport(NettyTransportOptions.builder("a", LoopbackCluster.CLUSTER_ID)
                .listen("127.0.0.1:0").build());
        try (first) {
            first.start(new RecordingReceiver());
            String taken = "127.0.0.1:" + first.listenAddress().getPort();
            NettyTransport second = new NettyTransport(NettyTransportOptions.builder("b", LoopbackCluster.CLUSTER_ID)
                    .listen(taken).build());
            assertThatThrownBy(() -> second.start(new RecordingReceiver()))
                    .isInstanceOf(TransportException.class).hasMessageContaining("cannot listen on " + taken);
            // The failed start shuts its event loops down; their threads end shortly after.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> threadsNamed("keel-transport-b") == 0);
        }
    }

    private static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix + "-"))
                .count();
    }

    private static TransportException transportFailure(CompletableFuture<?> failed) {
        Throwable e = failed.handle((r, t) -> t).join();
        assertThat(e).isInstanceOf(TransportException.class);
        return (TransportException) e;
    }

    private static void drain(Socket socket) {
        byte[] sink = new byte[64 * 1024];
        try (InputStream in = socket.getInputStream()) {
            while (in.read(sink) >= 0) {
                // discard
            }
        } catch (IOException e) {
            // the test closed the socket
        }
    }
}
