package io.keelraft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.keelraft.core.protocol.Message;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.transport.netty.wire.Frame;
import io.keelraft.transport.netty.wire.InstallSnapshot;
import io.keelraft.transport.netty.wire.InstallSnapshotResponse;
import io.keelraft.transport.netty.wire.TimeoutNow;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every message kind survives encoding to bytes and decoding back: FrameEncoder → bytes → FrameDecoder. */
class WireCodecTest {

    private final EmbeddedChannel channel = established(new EmbeddedChannel(), "n2");

    static EmbeddedChannel established(EmbeddedChannel channel, String peer) {
        channel.attr(HandshakeHandler.PEER_ID).set(peer);
        channel.pipeline().addLast(new FrameDecoder(NettyTransportOptions.DEFAULT_MAX_FRAME_BYTES, "n1"));
        return channel;
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void everyRaftMessageRoundTrips() {
        for (Message message : SampleMessages.all("n2", "n1")) {
            assertThat(roundTrip(WireCodec.toFrame(message))).isEqualTo(new Envelope.Raft(message));
        }
    }

    @Test
    void senderAndReceiverComeFromTheConnectionNotTheFrame() {
        Message sent = new Message.RequestVote(3, "whoever", "whomever", 1, 1, false);
        Envelope got = roundTrip(WireCodec.toFrame(sent));
        assertThat(((Envelope.Raft) got).message()).isEqualTo(new Message.RequestVote(3, "n2", "n1", 1, 1, false));
    }

    @Test
    void forwardedRequestsAndAnswersRoundTrip() {
        long id = 1;
        List<ForwardRequest> requests = new ArrayList<>(SampleMessages.forwardRequests());
        requests.addAll(SampleMessages.snapshotChunks());
        for (ForwardRequest request : requests) {
            Envelope got = roundTrip(WireCodec.forwardRequest(id, request));
            assertThat(got).usingRecursiveComparison().isEqualTo(new Envelope.Forward(id, request));
            id++;
        }
        for (ForwardResponse response : SampleMessages.forwardResponses()) {
            Envelope got = roundTrip(WireCodec.forwardResponse(id, response));
            assertThat(got).usingRecursiveComparison().isEqualTo(new Envelope.ForwardReply(id, response));
            id++;
        }
    }

    @Test
    void everyFailureReasonRoundTripsUnderItsOwnWireNumber() {
        Map<Integer, ForwardResponse.Reason> byWireNumber = new HashMap<>();
        long id = 1;
        for (ForwardResponse.Reason reason : ForwardResponse.Reason.values()) {
            ForwardResponse.Failed failed = new ForwardResponse.Failed(reason, "n3", "because " + reason);
            Frame frame = WireCodec.forwardResponse(id, failed);
            int wire = frame.getForwardResponse().getFailed().getReasonValue();
            assertThat(wire).as("wire number of %s", reason).isPositive();
            assertThat(byWireNumber.put(wire, reason)).as("wire number %d used twice", wire).isNull();
            assertThat(roundTrip(frame)).usingRecursiveComparison().isEqualTo(new Envelope.ForwardReply(id, failed));
            id++;
        }
        // Wire numbers are part of the format: pin the one added after the first release of keel.proto.
        assertThat(byWireNumber).containsEntry(6, ForwardResponse.Reason.SESSION_EXPIRED);
        Frame expired = WireCodec.forwardResponse(id,
                new ForwardResponse.Failed(ForwardResponse.Reason.SESSION_EXPIRED, null, "session 7 expired"));
        assertThat(roundTrip(expired)).usingRecursiveComparison().isEqualTo(new Envelope.ForwardReply(id,
                new ForwardResponse.Failed(ForwardResponse.Reason.SESSION_EXPIRED, null, "session 7 expired")));
    }

    @Test
    void whetherAFailedCommandCertainlyDidNotTakeEffectRoundTripsAndIsUnknownWhenAbsent() {
        for (boolean certain : new boolean[] {true, false}) {
            ForwardResponse.Failed failed = new ForwardResponse.Failed(ForwardResponse.Reason.OVERLOADED, null,
                    "busy", certain);
            assertThat(roundTrip(WireCodec.forwardResponse(5, failed))).usingRecursiveComparison()
                    .isEqualTo(new Envelope.ForwardReply(5, failed));
        }
        // A server built before the field existed sends no field 4: read as "not certain", the safe reading.
        Frame old = Frame.newBuilder().setForwardResponse(
                io.keelraft.transport.netty.wire.ForwardResponse.newBuilder().setCorrelationId(6).setFailed(
                        io.keelraft.transport.netty.wire.ForwardResponse.Failed.newBuilder()
                                .setReason(io.keelraft.transport.netty.wire.ForwardResponse.Reason.REASON_NOT_LEADER)
                                .setMessage("not the leader"))).build();
        assertThat(roundTrip(old)).isInstanceOfSatisfying(Envelope.ForwardReply.class, r -> assertThat(
                ((ForwardResponse.Failed) r.response()).certainlyNotApplied()).isFalse());
        // The field's number is part of the format.
        assertThat(io.keelraft.transport.netty.wire.ForwardResponse.Failed.CERTAINLY_NOT_APPLIED_FIELD_NUMBER)
                .isEqualTo(4);
    }

    @Test
    void aFailureWithoutAKnownReasonIsRefused() {
        for (int wire : new int[] {0, 99}) {
            Frame frame = Frame.newBuilder().setForwardResponse(
                    io.keelraft.transport.netty.wire.ForwardResponse.newBuilder().setCorrelationId(1).setFailed(
                            io.keelraft.transport.netty.wire.ForwardResponse.Failed.newBuilder()
                                    .setReasonValue(wire).setMessage("?"))).build();
            EmbeddedChannel fresh = established(new EmbeddedChannel(), "n2");
            assertThatThrownBy(() -> fresh.writeInbound(encode(frame)))
                    .isInstanceOfSatisfying(BadInputException.class,
                            e -> assertThat(e.rejection()).isEqualTo(Rejection.MALFORMED_FRAME));
            fresh.finishAndReleaseAll();
        }
    }

    @Test
    void pingAndPongRoundTripWithTheirNonce() {
        assertThat(roundTrip(WireCodec.ping(42))).isEqualTo(new Envelope.Ping(42));
        assertThat(roundTrip(WireCodec.pong(42))).isEqualTo(new Envelope.Pong(42));
    }

    @Test
    void aPingBeforeTheHandshakeIsRefused() {
        EmbeddedChannel fresh = new EmbeddedChannel(new FrameDecoder(1 << 20, "n1"));
        assertThatThrownBy(() -> fresh.writeInbound(encode(WireCodec.ping(1))))
                .isInstanceOfSatisfying(BadInputException.class,
                        e -> assertThat(e.rejection()).isEqualTo(Rejection.HANDSHAKE_FAILURE));
        fresh.finishAndReleaseAll();
    }

    @Test
    void handshakeRoundTripsBeforeThePeerIsKnown() {
        EmbeddedChannel fresh = new EmbeddedChannel(new FrameDecoder(1 << 20, "n1"));
        fresh.writeInbound(encode(WireCodec.handshake("keel-test", "n2", 1)));
        Envelope hello = fresh.readInbound();
        assertThat(hello).isEqualTo(new Envelope.Hello("keel-test", "n2", 1));
        fresh.finishAndReleaseAll();
    }

    @Test
    void manyFramesInOneBufferComeOutInOrder() {
        List<Message> sent = SampleMessages.all("n2", "n1");
        ByteBuf all = ByteBufAllocator.DEFAULT.buffer();
        for (Message m : sent) {
            ByteBuf one = encode(WireCodec.toFrame(m));
            all.writeBytes(one);
            one.release();
        }
        channel.writeInbound(all);
        List<Message> got = new ArrayList<>();
        for (Object o; (o = channel.readInbound()) != null; ) {
            got.add(((Envelope.Raft) o).message());
        }
        assertThat(got).isEqualTo(sent);
    }

    @Test
    void snapshotChunksRoundTripWithTheirBytesAndChecksums() {
        long id = 100;
        for (ForwardRequest chunk : SampleMessages.snapshotChunks()) {
            Envelope got = roundTrip(WireCodec.forwardRequest(id, chunk));
            assertThat(got).usingRecursiveComparison().isEqualTo(new Envelope.Forward(id, chunk));
            id++;
        }
    }

    @Test
    void aChunkInADirectBufferIsReadInPlace() {
        ForwardRequest.InstallSnapshotChunk chunk = SampleMessages.chunk("n2", 4 << 20, 1 << 20, random(1 << 20));
        ByteBuf heap = encode(WireCodec.forwardRequest(1, chunk));
        ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer(heap.readableBytes()).writeBytes(heap);
        heap.release();
        assertThat(channel.writeInbound(direct)).isTrue();
        Envelope got = channel.readInbound();
        assertThat(got).usingRecursiveComparison().isEqualTo(new Envelope.Forward(1, chunk));
        assertThat(direct.refCnt()).isZero();
    }

    @Test
    void theSenderNamesTheLeaderOfAChunkNotTheFrame() {
        ForwardRequest.InstallSnapshotChunk fromN3 = SampleMessages.chunk("n3", 10, 0, new byte[10]);
        assertRefused(WireCodec.forwardRequest(1, fromN3), Rejection.MALFORMED_FRAME,
                "a snapshot from leader 'n3' on the connection of peer 'n2'");
        // Left empty, it is the peer.
        Frame anonymous = WireCodec.forwardRequest(1, SampleMessages.chunk("n2", 10, 0, new byte[10]));
        anonymous = anonymous.toBuilder().setForwardRequest(anonymous.getForwardRequest().toBuilder()
                .setInstallSnapshotChunk(anonymous.getForwardRequest().getInstallSnapshotChunk().toBuilder()
                        .clearLeaderId())).build();
        assertThat(((Envelope.Forward) roundTrip(anonymous)).request())
                .isInstanceOfSatisfying(ForwardRequest.InstallSnapshotChunk.class,
                        c -> assertThat(c.leaderId()).isEqualTo("n2"));
    }

    @Test
    void chunksWithImpossibleValuesAreRefused() {
        InstallSnapshot good = WireCodec.forwardRequest(1, SampleMessages.chunk("n2", 3000, 1000, new byte[1000]))
                .getForwardRequest().getInstallSnapshotChunk();
        Map<String, InstallSnapshot> bad = new java.util.LinkedHashMap<>();
        bad.put("chunk offset 18446744073709551615 is out of range", good.toBuilder().setOffset(-1).build());
        bad.put("snapshot size 18446744073709551615 is out of range", good.toBuilder().setTotalBytes(-1).build());
        bad.put("runs past the snapshot's 1500 bytes", good.toBuilder().setTotalBytes(1500).build());
        bad.put("runs past the snapshot's 3000 bytes", good.toBuilder().setOffset(2500).build());
        bad.put("is marked the last", good.toBuilder().setDone(true).build());
        bad.put("is marked not the last", good.toBuilder().setOffset(2000).build());
        bad.put("an empty snapshot chunk that is not the last", good.toBuilder().setData(ByteString.EMPTY).build());
        bad.put("without its total CRC32C", good.toBuilder().clearTotalCrc32C().build());
        bad.put("without its data CRC32C", good.toBuilder().clearDataCrc32C().build());
        bad.put("last included index 0 and term 8", good.toBuilder().setLastIncludedIndex(0).build());
        bad.put("last included index 1000 and term 18446744073709551615",
                good.toBuilder().setLastIncludedTerm(-1).build());
        bad.put("configuration does not decode", good.toBuilder().setConfiguration(ByteString.copyFromUtf8("cfg"))
                .build());
        bad.put("term 18446744073709551615 is out of range", good.toBuilder().setTerm(-1).build());
        bad.forEach((message, chunk) -> assertRefused(Frame.newBuilder().setForwardRequest(
                io.keelraft.transport.netty.wire.ForwardRequest.newBuilder().setCorrelationId(1)
                        .setInstallSnapshotChunk(chunk)).build(), Rejection.MALFORMED_FRAME, message));
        Frame badAnswer = Frame.newBuilder().setForwardResponse(io.keelraft.transport.netty.wire.ForwardResponse
                .newBuilder().setCorrelationId(1).setSnapshotChunkAccepted(InstallSnapshotResponse.newBuilder()
                        .setTerm(3).setNextOffset(-5).setSuccess(true))).build();
        assertRefused(badAnswer, Rejection.MALFORMED_FRAME, "next offset");
    }

    @Test
    void anInstallSnapshotMessageCarriesNoData() {
        Frame withData = WireCodec.toFrame(new Message.InstallSnapshot(9, "n2", "n1", SampleMessages.snapshot()));
        withData = withData.toBuilder().setInstallSnapshot(withData.getInstallSnapshot().toBuilder()
                .setData(ByteString.copyFrom(new byte[10])).setTotalBytes(10)).build();
        assertRefused(withData, Rejection.MALFORMED_FRAME, "chunks travel as forwarded requests");
    }

    /** InstallSnapshotResponse as a frame (chunks are answered as forwards). */
    @Test
    void aSnapshotResponseFrameIsInTheWireFormatButNotAccepted() throws Exception {
        Frame response = Frame.newBuilder().setInstallSnapshotResponse(InstallSnapshotResponse.newBuilder()
                .setTerm(4).setNextOffset(66536).setSuccess(true)).build();
        assertThat(Frame.parseFrom(response.toByteArray())).isEqualTo(response);
        assertRefused(response, Rejection.UNKNOWN_MESSAGE_TYPE, "does not handle");
    }

    /** Issue 9: TimeoutNow and the transfer flag of RequestVote; a TimeoutNow for term 0 is malformed. */
    @Test
    void timeoutNowAndTheTransferFlagRoundTrip() {
        for (Message m : List.of(new Message.TimeoutNow(9, "n2", "n1"),
                new Message.RequestVote(9, "n2", "n1", 41, 6, false, true),
                new Message.RequestVote(9, "n2", "n1", 41, 6, true, false))) {
            assertThat(WireCodec.toMessage(WireCodec.toFrame(m), "n2", "n1")).isEqualTo(m);
        }
        // A peer that predates the flag sends none: an ordinary vote request.
        Frame old = Frame.newBuilder().setRequestVote(io.keelraft.transport.netty.wire.RequestVote.newBuilder()
                .setTerm(3).setLastLogIndex(2).setLastLogTerm(1)).build();
        assertThat(((Message.RequestVote) WireCodec.toMessage(old, "n2", "n1")).transfer()).isFalse();
        assertRefused(Frame.newBuilder().setTimeoutNow(TimeoutNow.newBuilder().setTerm(0)).build(),
                Rejection.MALFORMED_FRAME, "term 0");
    }

    private static void assertRefused(Frame frame, Rejection rejection, String message) {
        EmbeddedChannel fresh = established(new EmbeddedChannel(), "n2");
        try {
            assertThatThrownBy(() -> fresh.writeInbound(encode(frame)))
                    .isInstanceOfSatisfying(BadInputException.class,
                            e -> assertThat(e.rejection()).isEqualTo(rejection))
                    .hasMessageContaining(message);
        } finally {
            fresh.finishAndReleaseAll();
        }
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new java.util.Random(size).nextBytes(bytes);
        return bytes;
    }

    @Test
    void aSecondHandshakeOrRaftTrafficBeforeTheFirstIsRefused() {
        assertThatThrownBy(() -> channel.writeInbound(encode(WireCodec.handshake("keel-test", "n2", 1))))
                .isInstanceOfSatisfying(BadInputException.class,
                        e -> assertThat(e.rejection()).isEqualTo(Rejection.HANDSHAKE_FAILURE));
        EmbeddedChannel fresh = new EmbeddedChannel(new FrameDecoder(1 << 20, "n1"));
        Message vote = new Message.RequestVote(3, "n2", "n1", 1, 1, false);
        assertThatThrownBy(() -> fresh.writeInbound(encode(WireCodec.toFrame(vote))))
                .isInstanceOfSatisfying(BadInputException.class,
                        e -> assertThat(e.rejection()).isEqualTo(Rejection.HANDSHAKE_FAILURE));
        fresh.finishAndReleaseAll();
    }

    private Envelope roundTrip(Frame frame) {
        assertThat(channel.writeInbound(encode(frame))).isTrue();
        Envelope got = channel.readInbound();
        Envelope more = channel.readInbound();
        assertThat(more).isNull();
        return got;
    }

    private static ByteBuf encode(Frame frame) {
        return FrameEncoder.encode(ByteBufAllocator.DEFAULT, frame);
    }
}
