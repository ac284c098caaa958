package io.keelraft.transport.netty;

import com.google.protobuf.CodedOutputStream;
import io.keelraft.transport.netty.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Writes a frame as it travels: a 4-byte big-endian length, then the encoded {@link Frame}, in one buffer.
 *
 * <p>Senders encode on their own thread (the raft loop, a client thread) rather than on the event loop: the
 * work spreads over the callers, and the buffer's exact size counts against the peer's high-water mark the
 * moment it is queued.
 */
final class FrameEncoder {

    static final int LENGTH_FIELD_BYTES = 4;

    private FrameEncoder() {
    }

    /** Encodes {@code frame}, whose {@link Frame#getSerializedSize()} is {@code size}; the caller owns the buffer. */
    static ByteBuf encode(ByteBufAllocator alloc, Frame frame, int size) {
        ByteBuf buf = alloc.ioBuffer(LENGTH_FIELD_BYTES + size);
        try {
            buf.writeInt(size);
            ByteBuffer body = buf.nioBuffer(buf.writerIndex(), size);
            CodedOutputStream out = CodedOutputStream.newInstance(body);
            frame.writeTo(out);
            out.flush();
            out.checkNoSpaceLeft();
            buf.writerIndex(buf.writerIndex() + size);
            return buf;
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException("encoding a " + frame.getBodyCase() + " frame", e);
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    static ByteBuf encode(ByteBufAllocator alloc, Frame frame) {
        return encode(alloc, frame, frame.getSerializedSize());
    }
}
