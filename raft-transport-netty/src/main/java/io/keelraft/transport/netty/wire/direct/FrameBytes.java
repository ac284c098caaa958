package io.keelraft.transport.netty.wire.direct;

import io.netty.buffer.ByteBuf;

/**
 * A frame's bytes as an array, for the direct readers and the generated parser alike: a heap buffer's own array,
 * or one bulk copy of a direct buffer into an array reused from frame to frame. Parsing is then plain array reads;
 * a view of the direct buffer would cost an object and, in protobuf, a copy of its own. One per connection, used
 * by its one thread; what was read from the array must be copied out before the next frame is.
 */
public final class FrameBytes {

    private final int maxReused;
    private byte[] scratch = WireBytes.EMPTY;

    /** @param maxReused frames up to this size share the array, which grows as they do; larger ones get their own */
    public FrameBytes(int maxReused) {
        this.maxReused = maxReused;
    }

    /** An array holding {@code frame}'s readable bytes from {@link #offset}{@code (frame)} on. */
    public byte[] array(ByteBuf frame) {
        if (frame.hasArray()) {
            return frame.array();
        }
        int length = frame.readableBytes();
        if (length > scratch.length && length <= maxReused) {
            scratch = new byte[length];
        }
        byte[] bytes = length <= scratch.length ? scratch : new byte[length];
        frame.getBytes(frame.readerIndex(), bytes, 0, length);
        return bytes;
    }

    /** Where {@code frame}'s readable bytes start in {@link #array}{@code (frame)}. */
    public static int offset(ByteBuf frame) {
        return frame.hasArray() ? frame.arrayOffset() + frame.readerIndex() : 0;
    }
}
