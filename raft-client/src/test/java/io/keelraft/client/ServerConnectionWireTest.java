package io.keelraft.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.ReadMode;
import io.keelraft.transport.netty.wire.direct.CallFrame;
import io.keelraft.transport.netty.wire.direct.ClientWire;
import io.keelraft.transport.netty.wire.direct.FrameBytes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The client's side of the client protocol: each request goes out as the transport's codecs write it, and an
 * Applied answer is read by the direct reader. Their bytes against the generated code's are tested with the codecs
 * ({@code CallFrameTest}, {@code ClientWireTest} in raft-transport-netty); this module never touches protobuf.
 */
class ServerConnectionWireTest {

    private static final long[] NUMBERS = {0, 1, 127, 128, 1L << 35, Long.MAX_VALUE, -1, Long.MIN_VALUE};
    private static final List<ByteBufAllocator> ALLOCATORS = List.of(new UnpooledByteBufAllocator(false),
            new UnpooledByteBufAllocator(true));

    @Test
    void sendsEachRequestAsTheCodecsWriteIt() {
        SplittableRandom random = new SplittableRandom(11);
        byte[] head = new byte[CallFrame.MAX_HEAD_BYTES];
        byte[] expectedHead = new byte[CallFrame.MAX_HEAD_BYTES];
        for (ByteBufAllocator alloc : ALLOCATORS) {
            for (long value : NUMBERS) {
                for (int length : new int[] {0, 1, 117, 3_000}) {
                    Call call = new Call(Call.Kind.COMMAND, bytes(random, length), null, 0);
                    call.callId = value;
                    call.sessionId = value;
                    call.seq = NUMBERS[random.nextInt(NUMBERS.length)];
                    call.ackedThroughAtSend = value;
                    int headLength = CallFrame.writeCommandHead(expectedHead, 0, call.callId, call.sessionId, call.seq,
                            call.ackedThroughAtSend, length);
                    assertThat(sent(alloc, head, call))
                            .isEqualTo(bytes(CallFrame.frame(alloc, expectedHead, headLength, call.payload)));
                }
            }
        }
        Call open = new Call(Call.Kind.OPEN_SESSION, new byte[0], null, 0);
        open.callId = 1;
        assertThat(sent(UnpooledByteBufAllocator.DEFAULT, head, open))
                .isEqualTo(bytes(ClientWire.openSession(UnpooledByteBufAllocator.DEFAULT, 1)));
        Call query = new Call(Call.Kind.QUERY, new byte[] {1, 2}, ReadMode.LEASE, 0);
        query.callId = 2;
        assertThat(sent(UnpooledByteBufAllocator.DEFAULT, head, query)).isEqualTo(bytes(
                ClientWire.query(UnpooledByteBufAllocator.DEFAULT, 2, new byte[] {1, 2}, ReadMode.LEASE)));
    }

    @Test
    void readsAppliedAnswersDirectlyAndLeavesOthersToClientWire() {
        SplittableRandom random = new SplittableRandom(12);
        FrameBytes frameBytes = new FrameBytes(256);
        CallFrame.Fields fields = new CallFrame.Fields();
        byte[] head = new byte[CallFrame.MAX_HEAD_BYTES];
        for (ByteBufAllocator alloc : ALLOCATORS) {
            for (long id : NUMBERS) {
                for (int length : new int[] {0, 1, 117, 3_000}) {
                    byte[] result = bytes(random, length);
                    ByteBuf frame = CallFrame.frame(alloc, head, CallFrame.writeAppliedHead(head, 0, id, 3, length),
                            result);
                    frame.skipBytes(CallFrame.LENGTH_PREFIX_BYTES); // as the length-field decoder hands it over
                    assertThat(ServerConnection.readApplied(frame, frameBytes, fields)).isTrue();
                    frame.release();
                    assertThat(fields.id()).isEqualTo(id);
                    assertThat(fields.bytes()).isEqualTo(result);
                }
            }
            ByteBuf ping = ClientWire.ping(alloc, 1);
            ping.skipBytes(CallFrame.LENGTH_PREFIX_BYTES);
            assertThat(ServerConnection.readApplied(ping, frameBytes, fields)).isFalse();
            ping.release();
        }
    }

    /** The bytes {@link ServerConnection} sends for {@code call}. */
    private static byte[] sent(ByteBufAllocator alloc, byte[] head, Call call) {
        return bytes(ServerConnection.request(alloc, head, call));
    }

    private static byte[] bytes(ByteBuf buf) {
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
