package io.keelraft.transport.netty;

import com.google.protobuf.CodedOutputStream;
import io.keelraft.core.protocol.Message;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.transport.netty.wire.Frame;
import io.keelraft.transport.netty.wire.direct.AppendEntriesCodec;
import io.keelraft.transport.netty.wire.direct.CallFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;

/**
 * Writes a frame as it travels: a 4-byte big-endian length, then the encoded {@link Frame}, in one buffer.
 *
 * <p>Senders encode on their own thread (the raft loop, a client thread) rather than on the event loop: the
 * work spreads over the callers, and the buffer's exact size counts against the peer's high-water mark the
 * moment it is queued.
 */
final class FrameEncoder {

    /** The size before each frame; defined where raft-client, the other end of client connections, sees it. */
    static final int LENGTH_FIELD_BYTES = CallFrame.LENGTH_PREFIX_BYTES;

    /** Writes a frame's protobuf bytes into a buffer. */
    @FunctionalInterface
    interface Body {
        void writeTo(ByteBuf out);
    }

    /** A frame about to be encoded: what it is (for log lines), its exact size, and how to write it. */
    record Outbound(String kind, int size, Body body) {

        /** AppendEntries take the direct path ({@link AppendEntriesCodec}); the rest the generated code. */
        static Outbound of(Message message) {
            if (message instanceof Message.AppendEntries append) {
                AppendEntriesCodec.Measured measured = AppendEntriesCodec.measure(append);
                int size = measured.frameSize();
                return new Outbound("APPEND_ENTRIES", size, out -> {
                    if (out.hasArray()) {
                        AppendEntriesCodec.writeFrame(measured, out.array(), out.arrayOffset() + out.writerIndex());
                        out.writerIndex(out.writerIndex() + size);
                    } else {
                        // Array writes are the fastest way to lay out the bytes; one copy moves them over.
                        byte[] bytes = scratch(size);
                        AppendEntriesCodec.writeFrame(measured, bytes, 0);
                        out.writeBytes(bytes, 0, size);
                    }
                });
            }
            return of(WireCodec.toFrame(message));
        }

        /**
         * Other frames (votes, handshakes, forwarding, snapshot chunks): the generated code writes straight into
         * the buffer, so a chunk's bytes are copied once, from the caller's array into the network buffer.
         */
        static Outbound of(Frame frame) {
            int size = frame.getSerializedSize();
            return new Outbound(frame.getBodyCase().name(), size, out -> {
                out.ensureWritable(size);
                if (!out.hasArray() && out.nioBufferCount() != 1) {
                    out.writeBytes(frame.toByteArray()); // no single region to write into
                    return;
                }
                CodedOutputStream coded = out.hasArray()
                        ? CodedOutputStream.newInstance(out.array(), out.arrayOffset() + out.writerIndex(), size)
                        : CodedOutputStream.newInstance(out.nioBuffer(out.writerIndex(), size));
                try {
                    frame.writeTo(coded);
                    coded.checkNoSpaceLeft();
                } catch (IOException e) {
                    throw new IllegalStateException("a " + frame.getBodyCase() + " frame did not encode to its "
                            + size + " bytes", e);
                }
                out.writerIndex(out.writerIndex() + size);
            });
        }
    }

    /** Frames up to this size are laid out in a per-thread array that is reused; larger ones in a new one. */
    static final int SCRATCH_BYTES = 64 * 1024;

    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[SCRATCH_BYTES]);

    /** The heads of client answers, laid out by whichever thread completes them. */
    private static final ThreadLocal<byte[]> HEAD = ThreadLocal.withInitial(() -> new byte[CallFrame.MAX_HEAD_BYTES]);

    private FrameEncoder() {
    }

    private static byte[] scratch(int size) {
        return size <= SCRATCH_BYTES ? SCRATCH.get() : new byte[size];
    }

    /** Encodes {@code frame} into a new buffer that the caller owns. */
    static ByteBuf encode(ByteBufAllocator alloc, Outbound frame) {
        int size = frame.size();
        ByteBuf buf = alloc.ioBuffer(LENGTH_FIELD_BYTES + size);
        try {
            buf.writeInt(size);
            frame.body().writeTo(buf);
            if (buf.readableBytes() != LENGTH_FIELD_BYTES + size) {
                throw new IllegalStateException("a " + frame.kind() + " frame of " + size + " bytes encoded to "
                        + (buf.readableBytes() - LENGTH_FIELD_BYTES));
            }
            return buf;
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    static ByteBuf encode(ByteBufAllocator alloc, Frame frame) {
        return encode(alloc, Outbound.of(frame));
    }

    /**
     * A remote client's Applied answer ({@link WireCodec#clientResponse}'s bytes), written without the generated
     * code ({@link CallFrame#APPLIED}): one per request, the result copied once, into the buffer. Null when the
     * frame would be larger than {@code maxFrameBytes}.
     */
    static ByteBuf encodeApplied(ByteBufAllocator alloc, long callId, ForwardResponse.Applied applied,
                                 int maxFrameBytes) {
        byte[] head = HEAD.get();
        byte[] result = applied.result();
        int headLength = CallFrame.writeAppliedHead(head, 0, callId, applied.index(), result.length);
        return (long) headLength + result.length > maxFrameBytes ? null
                : CallFrame.frame(alloc, head, headLength, result);
    }
}
