package io.keelraft.transport.netty;

import static io.keelraft.transport.netty.wire.direct.TestBytes.NUMBERS;
import static io.keelraft.transport.netty.wire.direct.TestBytes.anyNumber;
import static io.keelraft.transport.netty.wire.direct.TestBytes.drain;
import static io.keelraft.transport.netty.wire.direct.TestBytes.mutate;
import static io.keelraft.transport.netty.wire.direct.TestBytes.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.keelraft.core.spi.ClientCall;
import io.keelraft.core.spi.ClientRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.transport.netty.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The server's side of the client protocol's direct path: {@link FrameDecoder} reads a client's command frames
 * into the same requests, and refuses bad ones the same way, as the generated parser and {@link WireCodec} do;
 * {@link ClientEndpoint} answers with the generated code's bytes.
 */
class ClientCallPathTest {

    private static final int MAX_FRAME = 64 * 1024;

    @Test
    void readsCommandsAsTheGeneratedPathDoesFromHeapAndDirectBuffers() throws InvalidProtocolBufferException {
        SplittableRandom random = new SplittableRandom(7);
        for (long id : NUMBERS) {
            for (long value : NUMBERS) {
                for (int length : new int[] {0, 1, 117, 5_000}) {
                    byte[] body = command(id, value, anyNumber(random), value, randomBytes(random, length));
                    String expected = generatedPath(body);
                    assertThat(expected).startsWith("call");
                    assertThat(decode(body, false)).isEqualTo(expected);
                    assertThat(decode(body, true)).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void otherRequestsStillTakeTheGeneratedPath() throws InvalidProtocolBufferException {
        List<io.keelraft.transport.netty.wire.ClientRequest.Builder> requests = List.of(
                io.keelraft.transport.netty.wire.ClientRequest.newBuilder().setCallId(3).setOpenSession(
                        io.keelraft.transport.netty.wire.ClientRequest.OpenSession.getDefaultInstance()),
                io.keelraft.transport.netty.wire.ClientRequest.newBuilder().setCallId(4).setQuery(
                        io.keelraft.transport.netty.wire.ClientRequest.Query.newBuilder()
                                .setQuery(ByteString.copyFromUtf8("q")).setModeValue(1)),
                io.keelraft.transport.netty.wire.ClientRequest.newBuilder().setCallId(5));
        for (var request : requests) {
            byte[] body = Frame.newBuilder().setClientRequest(request).build().toByteArray();
            assertThat(decode(body, true)).isEqualTo(generatedPath(body));
        }
        assertThat(decode(Frame.newBuilder().setClientRequest(requests.get(2)).build().toByteArray(), true))
                .isEqualTo("refused " + Rejection.UNKNOWN_MESSAGE_TYPE);
    }

    @Test
    void aCommandFrameOnAnyOtherConnectionIsRefusedAsBefore() {
        byte[] body = command(1, 2, 3, 4, new byte[] {5});
        EmbeddedChannel peer = new EmbeddedChannel(new FrameDecoder(MAX_FRAME, "n1"));
        peer.attr(HandshakeHandler.PEER_ID).set("n2");
        assertThat(outcome(peer, framed(body, false))).isEqualTo("refused " + Rejection.UNKNOWN_MESSAGE_TYPE);
        EmbeddedChannel stranger = new EmbeddedChannel(new FrameDecoder(MAX_FRAME, "n1"));
        assertThat(outcome(stranger, framed(body, false))).isEqualTo("refused " + Rejection.HANDSHAKE_FAILURE);
    }

    /** Mutated command frames: the decoder reads or refuses each exactly as the generated path does. */
    @Test
    void mutatedCommandFramesAreReadOrRefusedExactlyAsTheGeneratedPathDoes() throws InvalidProtocolBufferException {
        SplittableRandom random = new SplittableRandom(20_260_602L);
        int read = 0;
        int refused = 0;
        for (int i = 0; i < 6_000; i++) {
            byte[] body = command(anyNumber(random), random.nextLong(100), random.nextLong(), anyNumber(random),
                    randomBytes(random, random.nextInt(30)));
            body = mutate(random, body);
            String expected = generatedPath(body);
            if (expected == null) {
                continue; // another kind of frame: not what this test is about
            }
            String actual = decode(body, random.nextBoolean());
            assertThat(actual).as(HexFormat.of().formatHex(body)).isEqualTo(expected);
            if (actual.startsWith("refused")) {
                refused++;
            } else {
                read++;
            }
        }
        assertThat(read).isGreaterThan(1_000);
        assertThat(refused).isGreaterThan(100);
    }

    @Test
    void writesAppliedAnswersAsTheGeneratedCodeDoes() {
        SplittableRandom random = new SplittableRandom(8);
        for (long id : NUMBERS) {
            for (long index : NUMBERS) {
                for (int length : new int[] {0, 1, 117, 300}) {
                    ForwardResponse.Applied applied = new ForwardResponse.Applied(index, randomBytes(random, length));
                    ByteBuf direct = FrameEncoder.encodeApplied(UnpooledByteBufAllocator.DEFAULT, id, applied,
                            MAX_FRAME);
                    assertThat(drain(direct))
                            .isEqualTo(RawPeer.frameBytes(WireCodec.clientResponse(id, applied, null)));
                }
            }
        }
    }

    @Test
    void anAppliedAnswerTooLargeToSendIsLeftToTheGeneratedPath() {
        ForwardResponse.Applied applied = new ForwardResponse.Applied(1, new byte[100]);
        int size = WireCodec.clientResponse(2, applied, null).getSerializedSize();
        assertThat(drain(FrameEncoder.encodeApplied(UnpooledByteBufAllocator.DEFAULT, 2, applied, size)))
                .hasSize(4 + size);
        assertThat(FrameEncoder.encodeApplied(UnpooledByteBufAllocator.DEFAULT, 2, applied, size - 1)).isNull();
    }

    @Test
    void theEndpointAnswersWithTheGeneratedCodesBytes() {
        List<ForwardResponse> answers = List.of(new ForwardResponse.Applied(12, new byte[] {1, 2}),
                new ForwardResponse.Applied(0, new byte[0]),
                new ForwardResponse.Failed(ForwardResponse.Reason.NOT_LEADER, "n2", "not the leader", true),
                new ForwardResponse.Applied(Long.MAX_VALUE, new byte[MAX_FRAME])); // too large: INTERNAL
        RecordingReceiver receiver = new RecordingReceiver();
        List<ClientCall> calls = receiver.clientCalls;
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.attr(ClientEndpoint.CLIENT).set("c1");
        channel.pipeline().addLast(new FrameDecoder(MAX_FRAME, "n1"),
                new ClientEndpoint(receiver, id -> id.equals("n2") ? "host2:7002" : null, 10, MAX_FRAME, "n1"));
        for (int i = 0; i < answers.size(); i++) {
            channel.writeInbound(framed(command(100 + i, 1, i + 1, i, new byte[] {(byte) i}), true));
        }
        assertThat(calls).hasSize(answers.size());
        for (int i = 0; i < answers.size(); i++) {
            calls.get(i).reply(answers.get(i));
        }
        channel.runPendingTasks();
        for (int i = 0; i < answers.size(); i++) {
            ForwardResponse expected = answers.get(i);
            if (expected instanceof ForwardResponse.Applied a && a.result().length == MAX_FRAME) {
                expected = new ForwardResponse.Failed(ForwardResponse.Reason.INTERNAL, null, "the answer encodes to "
                        + WireCodec.clientResponse(100 + i, a, null).getSerializedSize()
                        + " bytes, above the maximum frame size of " + MAX_FRAME);
            }
            String address = expected instanceof ForwardResponse.Failed f && f.leaderHint() != null
                    ? "host2:7002" : null;
            assertThat(drain(channel.readOutbound())).as("answer %d", i)
                    .isEqualTo(RawPeer.frameBytes(WireCodec.clientResponse(100 + i, expected, address)));
        }
        assertThat(channel.<Object>readOutbound()).isNull();
        channel.finishAndReleaseAll();
    }

    // ------------------------------------------------------------------ helpers

    private static byte[] command(long callId, long sessionId, long seq, long ackedThrough, byte[] command) {
        return Frame.newBuilder().setClientRequest(io.keelraft.transport.netty.wire.ClientRequest.newBuilder()
                .setCallId(callId).setCommand(io.keelraft.transport.netty.wire.ClientRequest.Command.newBuilder()
                        .setSessionId(sessionId).setSeq(seq).setAckedThrough(ackedThrough)
                        .setCommand(ByteString.copyFrom(command))))
                .build().toByteArray();
    }

    /**
     * What the generated path makes of a frame on a client connection: the request, or the rejection; null for a
     * frame that is no client request.
     */
    private static String generatedPath(byte[] body) throws InvalidProtocolBufferException {
        Frame frame;
        try {
            frame = Frame.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            return "refused " + Rejection.MALFORMED_FRAME;
        }
        if (frame.getBodyCase() != Frame.BodyCase.CLIENT_REQUEST) {
            return null;
        }
        try {
            return describe(frame.getClientRequest().getCallId(),
                    WireCodec.toClientRequest(frame.getClientRequest()));
        } catch (BadInputException e) {
            return "refused " + e.rejection();
        }
    }

    /** What a client connection's decoder makes of the frame. */
    private static String decode(byte[] body, boolean direct) {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(MAX_FRAME, "n1"));
        channel.attr(ClientEndpoint.CLIENT).set("c1");
        return outcome(channel, framed(body, direct));
    }

    private static String outcome(EmbeddedChannel channel, ByteBuf framed) {
        try {
            channel.writeInbound(framed);
            Object decoded = channel.readInbound();
            assertThat(channel.<Object>readInbound()).isNull();
            return decoded instanceof Envelope.ClientCall call ? describe(call.callId(), call.request())
                    : String.valueOf(decoded);
        } catch (BadInputException e) {
            return "refused " + e.rejection();
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    private static String describe(long callId, ClientRequest request) {
        String what;
        if (request instanceof ClientRequest.Command c) {
            what = "command " + c.sessionId() + " " + c.seq() + " " + c.ackedThrough() + " "
                    + HexFormat.of().formatHex(c.command());
        } else if (request instanceof ClientRequest.Query q) {
            what = "query " + q.mode() + " " + HexFormat.of().formatHex(q.query());
        } else {
            what = request.toString();
        }
        return "call " + callId + ": " + what;
    }

    /** The frame as it travels, in a heap buffer or a direct one (the decoder copies the latter out). */
    private static ByteBuf framed(byte[] body, boolean direct) {
        ByteBuf buf = direct ? Unpooled.directBuffer(4 + body.length) : Unpooled.buffer(4 + body.length);
        return buf.writeInt(body.length).writeBytes(body);
    }
}
