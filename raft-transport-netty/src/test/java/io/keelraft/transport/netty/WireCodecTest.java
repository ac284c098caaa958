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
        for (ForwardRequest request : SampleMessages.forwardRequests()) {
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

    /**
     * InstallSnapshot, its response and TimeoutNow are fixed in the wire format now; raft-core has no types for
     * them until issues 8 and 9, so the decoder refuses them for the time being.
     */
    @Test
    void snapshotAndTimeoutNowAreInTheWireFormatButNotYetAccepted() throws Exception {
        Frame snapshot = Frame.newBuilder().setInstallSnapshot(InstallSnapshot.newBuilder().setTerm(4)
                .setLeaderId("n2").setLastIncludedIndex(100).setLastIncludedTerm(3)
                .setConfiguration(ByteString.copyFromUtf8("cfg")).setOffset(65536)
                .setData(ByteString.copyFrom(new byte[1000])).setDone(true)).build();
        Frame response = Frame.newBuilder().setInstallSnapshotResponse(InstallSnapshotResponse.newBuilder()
                .setTerm(4).setNextOffset(66536).setSuccess(true)).build();
        Frame timeoutNow = Frame.newBuilder().setTimeoutNow(TimeoutNow.newBuilder().setTerm(9)).build();
        for (Frame frame : List.of(snapshot, response, timeoutNow)) {
            assertThat(Frame.parseFrom(frame.toByteArray())).isEqualTo(frame);
            EmbeddedChannel fresh = established(new EmbeddedChannel(), "n2");
            assertThatThrownBy(() -> fresh.writeInbound(encode(frame)))
                    .isInstanceOfSatisfying(BadInputException.class,
                            e -> assertThat(e.rejection()).isEqualTo(Rejection.UNKNOWN_MESSAGE_TYPE));
            fresh.finishAndReleaseAll();
        }
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
