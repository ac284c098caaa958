package io.keelraft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.protocol.Message;
import io.keelraft.transport.netty.wire.Frame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A running transport against a raw socket that misbehaves: each kind of bad input closes that connection, is
 * counted under its own name, and the transport goes on serving a well-behaved peer.
 */
@Timeout(60)
class BadInputTest {

    private static final String CLUSTER = LoopbackCluster.CLUSTER_ID;

    private static NettyTransport n1;
    private static RecordingReceiver receiver;

    @BeforeAll
    static void start() {
        // The peers' addresses are never dialled successfully here: only raw sockets talk to n1.
        n1 = new NettyTransport(NettyTransportOptions.builder("n1", CLUSTER)
                .listen("127.0.0.1:0")
                .peer("n2", FreePorts.loopback())
                .peer("n3", FreePorts.loopback())
                .maxFrameBytes(64 * 1024)
                .handshakeTimeout(Duration.ofMillis(500))
                .reconnectDelay(Duration.ofSeconds(5), Duration.ofSeconds(5))
                .build());
        receiver = new RecordingReceiver();
        n1.start(receiver);
    }

    @AfterAll
    static void stop() {
        n1.close();
    }

    @Test
    void garbageBytes() {
        // An HTTP request: "GET " reads as a length of about 1.2 GB.
        assertRefused(Rejection.OVERSIZED_FRAME, peer -> peer.send(
                "GET / HTTP/1.1\r\nHost: keel\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void garbageBytesWithAPlausibleLength() {
        assertRefused(Rejection.MALFORMED_FRAME, peer -> peer.send(new byte[] {0, 0, 0, 6,
                (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
    }

    @Test
    void truncatedFrame() {
        assertRefused(Rejection.TRUNCATED_FRAME, peer -> {
            peer.send(ByteBuffer.allocate(14).putInt(100).put(new byte[10]).array());
            peer.shutdownOutput();
        });
    }

    @Test
    void truncatedLengthPrefix() {
        assertRefused(Rejection.TRUNCATED_FRAME, peer -> {
            peer.send(new byte[] {0, 0});
            peer.shutdownOutput();
        });
    }

    @Test
    void oversizedLengthPrefix() {
        assertRefused(Rejection.OVERSIZED_FRAME, peer -> peer.send(ByteBuffer.allocate(4).putInt(64 * 1024 + 1)
                .array()));
    }

    @Test
    void negativeLengthPrefix() {
        assertRefused(Rejection.OVERSIZED_FRAME, peer -> peer.send(ByteBuffer.allocate(4).putInt(-1).array()));
    }

    @Test
    void unknownMessageType() {
        // Field 99 of Frame, length-delimited and empty: valid protobuf, but no body this version knows.
        assertRefused(Rejection.UNKNOWN_MESSAGE_TYPE, peer -> {
            peer.handshake(CLUSTER, "n2");
            peer.send(new byte[] {0, 0, 0, 3, (byte) 0x9a, 0x06, 0x00});
        });
    }

    @Test
    void emptyFrame() {
        assertRefused(Rejection.UNKNOWN_MESSAGE_TYPE, peer -> {
            peer.handshake(CLUSTER, "n2");
            peer.send(new byte[] {0, 0, 0, 0});
        });
    }

    @Test
    void protobufParseFailure() {
        // A length-delimited field 4 (AppendEntries) claiming 100 bytes where 2 follow.
        assertRefused(Rejection.MALFORMED_FRAME, peer -> {
            peer.handshake(CLUSTER, "n2");
            peer.send(new byte[] {0, 0, 0, 4, 0x22, 100, 1, 2});
        });
    }

    @Test
    void invalidUtf8InTheHandshake() {
        // Handshake { cluster_id: 0xff 0xfe } — proto3 strings must be UTF-8.
        assertRefused(Rejection.MALFORMED_FRAME, peer -> {
            peer.readFrame();
            peer.send(new byte[] {0, 0, 0, 6, 0x0a, 4, 0x0a, 2, (byte) 0xff, (byte) 0xfe});
        });
    }

    @Test
    void handshakeFromAnotherCluster() {
        assertRefused(Rejection.HANDSHAKE_FAILURE, peer -> peer.handshake("another-cluster", "n2"));
    }

    @Test
    void handshakeFromAnUnknownNode() {
        assertRefused(Rejection.HANDSHAKE_FAILURE, peer -> peer.handshake(CLUSTER, "n9"));
    }

    @Test
    void handshakeWithAnotherProtocolVersion() {
        assertRefused(Rejection.HANDSHAKE_FAILURE, peer -> {
            peer.readFrame();
            peer.sendFrame(WireCodec.handshake(CLUSTER, "n2", HandshakeHandler.PROTOCOL_VERSION + 1));
        });
    }

    @Test
    void raftMessageBeforeTheHandshake() {
        assertRefused(Rejection.HANDSHAKE_FAILURE, peer -> peer.sendFrame(WireCodec.toFrame(
                new Message.RequestVote(5, "n2", "n1", 0, 0, false))));
    }

    @Test
    void noHandshakeAtAll() {
        assertRefused(Rejection.HANDSHAKE_FAILURE, peer -> {
            // say nothing; the handshake timeout closes the connection
        });
    }

    @Test
    void aWellBehavedPeerIsServed() {
        assertStillServing();
    }

    private static void assertRefused(Rejection expected, Consumer<RawPeer> misbehave) {
        TransportMetrics before = n1.metrics();
        try (RawPeer peer = RawPeer.connect(n1.listenAddress())) {
            misbehave.accept(peer);
            assertThat(peer.closedByOtherSide()).as("connection closed by the transport").isTrue();
        }
        await().untilAsserted(() -> assertThat(count(n1.metrics(), expected)).isEqualTo(count(before, expected) + 1));
        assertThat(n1.metrics().rejectedConnections()).isEqualTo(before.rejectedConnections() + 1);
        assertStillServing();
    }

    private static void assertStillServing() {
        try (RawPeer good = RawPeer.connect(n1.listenAddress())) {
            Frame hello = good.handshake(CLUSTER, "n3");
            assertThat(hello.getHandshake().getNodeId()).isEqualTo("n1");
            long term = System.nanoTime();
            good.sendFrame(WireCodec.toFrame(new Message.RequestVote(term, "n3", "n1", 0, 0, true)));
            await().untilAsserted(() -> assertThat(receiver.messages)
                    .contains(new Message.RequestVote(term, "n3", "n1", 0, 0, true)));
        }
    }

    private static long count(TransportMetrics m, Rejection rejection) {
        switch (rejection) {
            case OVERSIZED_FRAME:
                return m.oversizedFrames();
            case MALFORMED_FRAME:
                return m.malformedFrames();
            case TRUNCATED_FRAME:
                return m.truncatedFrames();
            case UNKNOWN_MESSAGE_TYPE:
                return m.unknownMessageTypes();
            case HANDSHAKE_FAILURE:
                return m.handshakeFailures();
            case TLS_FAILURE:
                return m.tlsFailures();
            default:
                throw new AssertionError(rejection);
        }
    }
}
