package io.keelraft.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.keelraft.core.ReadMode;
import io.keelraft.transport.netty.wire.ClientRequest;
import io.keelraft.transport.netty.wire.ForwardResponse;
import io.keelraft.transport.netty.wire.Frame;
import io.keelraft.transport.netty.wire.direct.CallFrame;
import io.keelraft.transport.netty.wire.direct.FrameBytes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The client's side of the client protocol's direct path: the generated code's bytes out, its reading in. */
class ServerConnectionWireTest {

    private static final long[] NUMBERS = {0, 1, 127, 128, 1L << 35, Long.MAX_VALUE, -1, Long.MIN_VALUE};
    private static final List<ByteBufAllocator> ALLOCATORS = List.of(new UnpooledByteBufAllocator(false),
            new UnpooledByteBufAllocator(true));

    @Test
    void sendsCommandsAsTheGeneratedCodeWroteThem() {
        SplittableRandom random = new SplittableRandom(11);
        byte[] head = new byte[CallFrame.MAX_HEAD_BYTES];
        for (ByteBufAllocator alloc : ALLOCATORS) {
            for (long id : NUMBERS) {
                for (long value : NUMBERS) {
                    for (int length : new int[] {0, 1, 117, 3_000}) {
                        Call call = new Call(Call.Kind.COMMAND, bytes(random, length), null, 0);
                        call.callId = id;
                        call.sessionId = value;
                        call.seq = NUMBERS[random.nextInt(NUMBERS.length)];
                        call.ackedThroughAtSend = value;
                        assertThat(sent(alloc, head, call)).isEqualTo(generated(call));
                    }
                }
            }
        }
    }

    @Test
    void sendsOtherRequestsWithTheGeneratedCode() {
        byte[] head = new byte[CallFrame.MAX_HEAD_BYTES];
        Call open = new Call(Call.Kind.OPEN_SESSION, new byte[0], null, 0);
        open.callId = 1;
        Call query = new Call(Call.Kind.QUERY, new byte[] {1, 2}, ReadMode.LEASE, 0);
        query.callId = 2;
        for (Call call : List.of(open, query)) {
            assertThat(sent(UnpooledByteBufAllocator.DEFAULT, head, call)).isEqualTo(generated(call));
        }
    }

    @Test
    void readsAppliedAnswersAsTheGeneratedParserDoes() throws InvalidProtocolBufferException {
        SplittableRandom random = new SplittableRandom(12);
        FrameBytes frameBytes = new FrameBytes(256);
        CallFrame.Fields fields = new CallFrame.Fields();
        for (long id : NUMBERS) {
            for (long index : NUMBERS) {
                for (int length : new int[] {0, 1, 117, 3_000}) {
                    byte[] frame = Frame.newBuilder().setForwardResponse(ForwardResponse.newBuilder()
                            .setCorrelationId(id).setApplied(ForwardResponse.Applied.newBuilder().setIndex(index)
                                    .setResult(ByteString.copyFrom(bytes(random, length))))).build().toByteArray();
                    ForwardResponse expected = Frame.parseFrom(frame).getForwardResponse();
                    for (boolean direct : new boolean[] {false, true}) {
                        ByteBuf buf = buffer(frame, direct);
                        assertThat(ServerConnection.readApplied(buf, frameBytes, fields)).isTrue();
                        buf.release();
                        assertThat(fields.id()).isEqualTo(expected.getCorrelationId());
                        assertThat(fields.uint64(ForwardResponse.Applied.INDEX_FIELD_NUMBER))
                                .isEqualTo(expected.getApplied().getIndex());
                        assertThat(fields.bytes()).isEqualTo(expected.getApplied().getResult().toByteArray());
                    }
                }
            }
        }
    }

    @Test
    void leavesAnyOtherAnswerToTheGeneratedParser() {
        FrameBytes frameBytes = new FrameBytes(256);
        CallFrame.Fields fields = new CallFrame.Fields();
        byte[] failed = Frame.newBuilder().setForwardResponse(ForwardResponse.newBuilder().setCorrelationId(3)
                .setFailed(ForwardResponse.Failed.newBuilder().setReason(ForwardResponse.Reason.REASON_NOT_LEADER)
                        .setLeaderAddress("h:1").setMessage("no"))).build().toByteArray();
        byte[] newer = Frame.newBuilder().setForwardResponse(ForwardResponse.newBuilder().setCorrelationId(3)
                .setApplied(ForwardResponse.Applied.newBuilder().setIndex(4)
                        .setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder().addField(9,
                                com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(1).build())
                                .build())))
                .build().toByteArray();
        byte[] handshake = Frame.newBuilder().setHandshake(io.keelraft.transport.netty.wire.Handshake.newBuilder()
                .setNodeId("n1")).build().toByteArray();
        for (byte[] frame : List.of(failed, newer, handshake, new byte[0])) {
            for (boolean direct : new boolean[] {false, true}) {
                ByteBuf buf = buffer(frame, direct);
                assertThat(ServerConnection.readApplied(buf, frameBytes, fields)).isFalse();
                buf.release();
            }
        }
    }

    /** What the generated code wrote for a request before the direct path: the reference. */
    private static byte[] generated(Call call) {
        ClientRequest.Builder r = ClientRequest.newBuilder().setCallId(call.callId);
        switch (call.kind) {
            case OPEN_SESSION -> r.setOpenSession(ClientRequest.OpenSession.getDefaultInstance());
            case COMMAND -> r.setCommand(ClientRequest.Command.newBuilder().setSessionId(call.sessionId)
                    .setSeq(call.seq).setAckedThrough(call.ackedThroughAtSend)
                    .setCommand(ByteString.copyFrom(call.payload)));
            case QUERY -> r.setQuery(ClientRequest.Query.newBuilder().setQuery(ByteString.copyFrom(call.payload))
                    .setModeValue(call.mode.ordinal()));
        }
        byte[] body = Frame.newBuilder().setClientRequest(r).build().toByteArray();
        return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
    }

    /** A received frame as the client's pipeline hands it over: a slice, with bytes before and after it. */
    private static ByteBuf buffer(byte[] frame, boolean direct) {
        ByteBuf whole = direct ? Unpooled.directBuffer(frame.length + 6) : Unpooled.buffer(frame.length + 6);
        whole.writeBytes(new byte[] {0x52, 0x08, 0x01}).writeBytes(frame).writeBytes(new byte[] {0x08, 0x01, 0x12});
        return whole.slice(3, frame.length);
    }

    /** The bytes {@link ServerConnection} sends for {@code call}. */
    private static byte[] sent(ByteBufAllocator alloc, byte[] head, Call call) {
        ByteBuf buf = ServerConnection.request(alloc, head, call);
        byte[] bytes = ByteBufUtil.getBytes(buf);
        buf.release();
        return bytes;
    }

    private static byte[] bytes(SplittableRandom random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
