package io.keelraft.transport.netty.wire.direct;

import static io.keelraft.transport.netty.wire.direct.TestBytes.NUMBERS;
import static io.keelraft.transport.netty.wire.direct.TestBytes.anyNumber;
import static io.keelraft.transport.netty.wire.direct.TestBytes.concat;
import static io.keelraft.transport.netty.wire.direct.TestBytes.drain;
import static io.keelraft.transport.netty.wire.direct.TestBytes.mutate;
import static io.keelraft.transport.netty.wire.direct.TestBytes.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.keelraft.transport.netty.wire.ClientRequest;
import io.keelraft.transport.netty.wire.ForwardResponse;
import io.keelraft.transport.netty.wire.Frame;
import io.keelraft.transport.netty.wire.Ping;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The direct client-protocol frames write and read exactly what the generated protobuf code does. */
class CallFrameTest {

    private static final int[] LENGTHS = {0, 1, 117, 127, 128, 20_000};

    // ------------------------------------------------------------------ writing

    @Test
    void writesTheGeneratedCodesBytes() throws IOException {
        SplittableRandom random = new SplittableRandom(1);
        forEdgeCases(random, (id, value, other, bytes) -> {
            assertThat(directCommand(id, value, other, value, bytes))
                    .isEqualTo(generatedCommand(id, value, other, value, bytes));
            assertThat(directCommand(id, other, value, 0, bytes))
                    .isEqualTo(generatedCommand(id, other, value, 0, bytes));
            assertThat(directApplied(id, value, bytes)).isEqualTo(generatedApplied(id, value, bytes));
        });
        for (int i = 0; i < 2_000; i++) {
            long[] v = {random.nextLong(), random.nextLong(1 << 20), random.nextLong(), random.nextLong(1 << 10)};
            byte[] bytes = randomBytes(random, random.nextInt(300));
            assertThat(directCommand(v[0], v[1], v[2], v[3], bytes))
                    .isEqualTo(generatedCommand(v[0], v[1], v[2], v[3], bytes));
            assertThat(directApplied(v[2], v[1], bytes)).isEqualTo(generatedApplied(v[2], v[1], bytes));
        }
    }

    @Test
    void framesTravelAfterTheirSize() {
        byte[] command = {1, 2, 3};
        byte[] head = new byte[CallFrame.MAX_HEAD_BYTES];
        int headLength = CallFrame.writeCommandHead(head, 0, 7, 8, 9, 10, command.length);
        ByteBuf buf = CallFrame.frame(UnpooledByteBufAllocator.DEFAULT, head, headLength, command);
        byte[] body = generatedCommand(7, 8, 9, 10, command);
        assertThat(drain(buf)).isEqualTo(ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array());
    }

    @Test
    void theLargestHeadFitsItsArray() {
        byte[] head = new byte[CallFrame.MAX_HEAD_BYTES];
        int end = CallFrame.writeCommandHead(head, 0, -1, -1, -1, -1, 1 << 30); // lengths of five bytes
        assertThat(end).isLessThanOrEqualTo(CallFrame.MAX_HEAD_BYTES);
    }

    // ------------------------------------------------------------------ reading

    @Test
    void readsWhatTheGeneratedCodeWrites() throws IOException {
        forEdgeCases(new SplittableRandom(3), (id, value, other, bytes) -> {
            byte[] command = generatedCommand(id, value, other, value, bytes);
            assertThat(direct(CallFrame.CLIENT_COMMAND, command))
                    .isEqualTo(describe(id, value, other, value, bytes))
                    .isEqualTo(generated(CallFrame.CLIENT_COMMAND, command));
            byte[] applied = generatedApplied(id, value, bytes);
            assertThat(direct(CallFrame.APPLIED, applied))
                    .isEqualTo(describe(id, value, 0, 0, bytes))
                    .isEqualTo(generated(CallFrame.APPLIED, applied));
        });
    }

    @Test
    void anAbsentBytesFieldReadsAsEmpty() {
        CallFrame.Fields fields = new CallFrame.Fields();
        byte[] applied = generatedApplied(5, 6, new byte[0]);
        assertThat(CallFrame.APPLIED.read(applied, 0, applied.length, fields)).isTrue();
        assertThat(fields.bytes()).isEmpty();
        assertThat(fields.id()).isEqualTo(5);
        assertThat(fields.uint64(ForwardResponse.Applied.INDEX_FIELD_NUMBER)).isEqualTo(6);
    }

    @Test
    void takesFieldsInAnyOrderTheLastRepeatedValueWinningAndInnerMessagesMergingAsProtobufDoes()
            throws IOException {
        byte[] inner1 = message(out -> {
            out.writeByteArray(4, new byte[] {1, 2});  // command first
            out.writeUInt64(3, 30);                    // acked_through before seq
            out.writeUInt64(2, 20);
            out.writeUInt64(2, 21);                    // seq again: 21 wins
            out.writeUInt64(1, 10);
        });
        byte[] inner2 = message(out -> {
            out.writeUInt64(1, 11);                    // session_id again, in a second Command: merged, 11 wins
            out.writeByteArray(4, new byte[] {3});     // command again: the last wins
        });
        byte[] body = message(out -> {
            out.writeByteArray(3, inner1);             // command before call_id
            out.writeUInt64(1, 99);
            out.writeByteArray(3, inner2);
            out.writeUInt64(1, 100);                   // call_id again
        });
        byte[] frame = message(out -> out.writeByteArray(Frame.CLIENT_REQUEST_FIELD_NUMBER, body));
        assertThat(direct(CallFrame.CLIENT_COMMAND, frame))
                .isEqualTo(describe(100, 11, 21, 30, new byte[] {3}))
                .isEqualTo(generated(CallFrame.CLIENT_COMMAND, frame));

        byte[] applied = message(out -> out.writeByteArray(Frame.FORWARD_RESPONSE_FIELD_NUMBER, message(r -> {
            r.writeByteArray(2, message(a -> {
                a.writeByteArray(2, new byte[] {9});
                a.writeUInt64(1, 5);
            }));
            r.writeUInt64(1, 6);
            r.writeUInt64(1, 0); // explicitly zero, and last: zero wins
            r.writeByteArray(2, new byte[0]); // an empty Applied again: nothing changes
        })));
        assertThat(direct(CallFrame.APPLIED, applied))
                .isEqualTo(describe(0, 5, 0, 0, new byte[] {9}))
                .isEqualTo(generated(CallFrame.APPLIED, applied));
    }

    @Test
    void takesNonCanonicalVarintsAsProtobufDoes() throws IOException {
        // call_id 1 written in two bytes, index 0 in three: protobuf reads both.
        byte[] body = {0x08, (byte) 0x81, 0x00, 0x1a, 0x04, 0x08, (byte) 0x80, (byte) 0x80, 0x00};
        byte[] frame = message(out -> out.writeByteArray(Frame.CLIENT_REQUEST_FIELD_NUMBER, body));
        assertThat(direct(CallFrame.CLIENT_COMMAND, frame)).isEqualTo(describe(1, 0, 0, 0, new byte[0]))
                .isEqualTo(generated(CallFrame.CLIENT_COMMAND, frame));
    }

    @Test
    void leavesUnknownFieldsAndOtherWireTypesToTheGeneratedParser() throws IOException {
        byte[] command = generatedCommand(1, 2, 3, 4, new byte[] {5});
        List<byte[]> frames = List.of(
                // An unknown field in the Command, in the ClientRequest, after the Frame's body.
                commandFrame(out -> out.writeUInt64(1, 1), c -> c.writeString(9, "newer")),
                commandFrame(out -> out.writeString(15, "newer"), c -> c.writeUInt64(1, 1)),
                concat(command, message(out -> out.writeUInt64(15, 1))),
                // A known field number with another wire type: protobuf keeps it as an unknown field.
                commandFrame(out -> out.writeUInt64(1, 1), c -> c.writeFixed64(2, 7)),
                commandFrame(out -> out.writeFixed32(1, 7), c -> c.writeUInt64(1, 1)),
                commandFrame(out -> out.writeUInt64(1, 1), c -> c.writeUInt64(4, 7)),
                // A field of the shape beyond the ones this version knows (tag of more than one byte).
                commandFrame(out -> out.writeUInt64(1, 1), c -> c.writeUInt64(16, 7)));
        for (byte[] frame : frames) {
            assertThat(direct(CallFrame.CLIENT_COMMAND, frame)).as(HexFormat.of().formatHex(frame)).isNull();
            assertThat(Frame.parseFrom(frame).getBodyCase()).isEqualTo(Frame.BodyCase.CLIENT_REQUEST);
        }
    }

    @Test
    void leavesAnyOtherFrameToTheGeneratedParser() throws IOException {
        byte[] openSession = Frame.newBuilder().setClientRequest(ClientRequest.newBuilder().setCallId(1)
                .setOpenSession(ClientRequest.OpenSession.getDefaultInstance())).build().toByteArray();
        byte[] query = Frame.newBuilder().setClientRequest(ClientRequest.newBuilder().setCallId(1)
                .setQuery(ClientRequest.Query.newBuilder().setQuery(ByteString.copyFromUtf8("q")))).build()
                .toByteArray();
        byte[] noRequest = Frame.newBuilder().setClientRequest(ClientRequest.newBuilder().setCallId(1)).build()
                .toByteArray();
        byte[] failed = Frame.newBuilder().setForwardResponse(ForwardResponse.newBuilder().setCorrelationId(1)
                .setFailed(ForwardResponse.Failed.newBuilder().setMessage("no"))).build().toByteArray();
        byte[] readIndex = Frame.newBuilder().setForwardResponse(ForwardResponse.newBuilder().setCorrelationId(1)
                .setReadIndex(ForwardResponse.ReadIndexResult.newBuilder().setReadIndex(3))).build().toByteArray();
        byte[] ping = Frame.newBuilder().setPing(Ping.newBuilder().setNonce(1)).build().toByteArray();
        byte[] command = generatedCommand(1, 2, 3, 4, new byte[] {5});
        byte[] applied = generatedApplied(1, 2, new byte[] {3});
        // A command and then another case of the ClientRequest's oneof: protobuf's oneof rules, not ours.
        byte[] commandThenOpen = message(out -> out.writeByteArray(Frame.CLIENT_REQUEST_FIELD_NUMBER, message(r -> {
            r.writeUInt64(1, 1);
            r.writeByteArray(3, message(c -> c.writeUInt64(1, 1)));
            r.writeByteArray(2, new byte[0]); // open_session
        })));
        for (byte[] frame : List.of(openSession, query, noRequest, ping, applied, commandThenOpen, new byte[0],
                concat(command, command), concat(command, ping))) {
            assertThat(direct(CallFrame.CLIENT_COMMAND, frame)).isNull();
        }
        for (byte[] frame : List.of(failed, readIndex, ping, command, new byte[0], concat(applied, applied),
                concat(applied, failed), concat(failed, applied))) {
            assertThat(direct(CallFrame.APPLIED, frame)).isNull();
        }
        assertThat(Frame.parseFrom(commandThenOpen).getClientRequest().getRequestCase())
                .isEqualTo(ClientRequest.RequestCase.OPEN_SESSION);
    }

    @Test
    void leavesTruncatedFramesToTheGeneratedParserWhichRefusesThem() {
        byte[] command = generatedCommand(1L << 40, 77, -1, 76, new byte[200]);
        byte[] applied = generatedApplied(-1, 1L << 50, new byte[200]);
        for (int cut = 0; cut < command.length; cut++) {
            byte[] part = Arrays.copyOf(command, cut);
            assertThat(direct(CallFrame.CLIENT_COMMAND, part)).as("cut at %d", cut).isNull();
        }
        for (int cut = 0; cut < applied.length; cut++) {
            assertThat(direct(CallFrame.APPLIED, Arrays.copyOf(applied, cut))).as("cut at %d", cut).isNull();
        }
        // An inner length that runs past its message, within the frame: protobuf refuses it, so do we.
        byte[] inner = {0x08, 0x01, 0x22, 0x05, 1, 2, 3};
        byte[] lying = message(out -> out.writeByteArray(Frame.CLIENT_REQUEST_FIELD_NUMBER,
                concat(new byte[] {0x1a, 0x04}, inner)));
        assertThat(direct(CallFrame.CLIENT_COMMAND, lying)).isNull();
        assertThatThrownBy(() -> Frame.parseFrom(lying)).isInstanceOf(InvalidProtocolBufferException.class);
        // A varint that never ends.
        byte[] endless = new byte[20];
        Arrays.fill(endless, (byte) 0xff);
        byte[] runaway = message(out -> out.writeByteArray(Frame.CLIENT_REQUEST_FIELD_NUMBER,
                concat(new byte[] {0x08}, endless)));
        assertThat(direct(CallFrame.CLIENT_COMMAND, runaway)).isNull();
        assertThatThrownBy(() -> Frame.parseFrom(runaway)).isInstanceOf(InvalidProtocolBufferException.class);
    }

    /** Mutated frames: whatever the direct reader takes, the generated parser reads the same. */
    @Test
    void neverReadsAFrameOtherwiseThanTheGeneratedParser() {
        SplittableRandom random = new SplittableRandom(20_260_601L);
        int taken = 0;
        for (int i = 0; i < 40_000; i++) {
            boolean command = random.nextBoolean();
            CallFrame shape = command ? CallFrame.CLIENT_COMMAND : CallFrame.APPLIED;
            long[] v = {anyNumber(random), random.nextLong(1000), random.nextLong(), anyNumber(random)};
            byte[] bytes = randomBytes(random, random.nextInt(40));
            byte[] frame = command ? generatedCommand(v[0], v[1], v[2], v[3], bytes)
                    : generatedApplied(v[0], v[1], bytes);
            frame = mutate(random, frame);
            String direct = direct(shape, frame);
            String generated;
            try {
                generated = generated(shape, frame);
            } catch (InvalidProtocolBufferException e) {
                generated = "refused: " + e.getMessage();
            }
            if (direct != null) {
                taken++;
                assertThat(direct).as(HexFormat.of().formatHex(frame)).isEqualTo(generated);
            }
        }
        assertThat(taken).as("mutations the direct reader still takes").isGreaterThan(1_000);
    }

    // ------------------------------------------------------------------ helpers

    private interface EdgeCase {
        void check(long id, long value, long other, byte[] bytes) throws IOException;
    }

    /** Every pair of edge numbers for the id and a value, with every length of bytes and another number. */
    private static void forEdgeCases(SplittableRandom random, EdgeCase edgeCase) throws IOException {
        for (long id : NUMBERS) {
            for (long value : NUMBERS) {
                for (int length : LENGTHS) {
                    edgeCase.check(id, value, anyNumber(random), randomBytes(random, length));
                }
            }
        }
    }

    private static byte[] directCommand(long callId, long sessionId, long seq, long ackedThrough, byte[] command) {
        byte[] out = new byte[CallFrame.MAX_HEAD_BYTES + command.length + 3];
        int head = CallFrame.writeCommandHead(out, 3, callId, sessionId, seq, ackedThrough, command.length);
        System.arraycopy(command, 0, out, head, command.length);
        return Arrays.copyOfRange(out, 3, head + command.length);
    }

    private static byte[] directApplied(long correlationId, long index, byte[] result) {
        byte[] out = new byte[CallFrame.MAX_HEAD_BYTES + result.length + 1];
        int head = CallFrame.writeAppliedHead(out, 1, correlationId, index, result.length);
        System.arraycopy(result, 0, out, head, result.length);
        return Arrays.copyOfRange(out, 1, head + result.length);
    }

    private static byte[] generatedCommand(long callId, long sessionId, long seq, long ackedThrough,
                                           byte[] command) {
        return Frame.newBuilder().setClientRequest(ClientRequest.newBuilder().setCallId(callId)
                .setCommand(ClientRequest.Command.newBuilder().setSessionId(sessionId).setSeq(seq)
                        .setAckedThrough(ackedThrough).setCommand(ByteString.copyFrom(command))))
                .build().toByteArray();
    }

    private static byte[] generatedApplied(long correlationId, long index, byte[] result) {
        return Frame.newBuilder().setForwardResponse(ForwardResponse.newBuilder().setCorrelationId(correlationId)
                .setApplied(ForwardResponse.Applied.newBuilder().setIndex(index)
                        .setResult(ByteString.copyFrom(result))))
                .build().toByteArray();
    }

    /** What the direct reader finds, read from the middle of a larger array; null when it leaves the frame. */
    private static String direct(CallFrame shape, byte[] frame) {
        byte[] padded = new byte[frame.length + 7];
        Arrays.fill(padded, (byte) 0x08); // what surrounds the frame must not be read
        System.arraycopy(frame, 0, padded, 3, frame.length);
        CallFrame.Fields fields = new CallFrame.Fields();
        if (!shape.read(padded, 3, frame.length, fields)) {
            return null;
        }
        return describe(fields.id(), fields.uint64(1), shape == CallFrame.CLIENT_COMMAND ? fields.uint64(2) : 0,
                shape == CallFrame.CLIENT_COMMAND ? fields.uint64(3) : 0, fields.bytes());
    }

    /** What the generated parser finds; "another frame" when it is not of this shape. */
    private static String generated(CallFrame shape, byte[] bytes) throws InvalidProtocolBufferException {
        Frame frame = Frame.parseFrom(bytes);
        if (shape == CallFrame.CLIENT_COMMAND) {
            if (frame.getClientRequest().getRequestCase() != ClientRequest.RequestCase.COMMAND) {
                return "another frame";
            }
            ClientRequest.Command c = frame.getClientRequest().getCommand();
            return describe(frame.getClientRequest().getCallId(), c.getSessionId(), c.getSeq(), c.getAckedThrough(),
                    c.getCommand().toByteArray());
        }
        if (!frame.getForwardResponse().hasApplied()) {
            return "another frame";
        }
        ForwardResponse.Applied a = frame.getForwardResponse().getApplied();
        return describe(frame.getForwardResponse().getCorrelationId(), a.getIndex(), 0, 0,
                a.getResult().toByteArray());
    }

    private static String describe(long id, long first, long second, long third, byte[] bytes) {
        return "id " + Long.toUnsignedString(id) + ", fields " + Long.toUnsignedString(first) + " "
                + Long.toUnsignedString(second) + " " + Long.toUnsignedString(third) + ", bytes "
                + HexFormat.of().formatHex(bytes);
    }

    private interface Writing {
        void writeTo(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Writing writing) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            writing.writeTo(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Frame { client_request { (request) command { (command) } } }. */
    private static byte[] commandFrame(Writing request, Writing command) {
        byte[] body = concat(message(request), message(out -> out.writeByteArray(3, message(command))));
        return message(out -> out.writeByteArray(Frame.CLIENT_REQUEST_FIELD_NUMBER, body));
    }
}
