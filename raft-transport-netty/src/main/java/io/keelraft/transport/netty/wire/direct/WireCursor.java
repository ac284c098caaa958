package io.keelraft.transport.netty.wire.direct;

import java.util.Arrays;

/**
 * Reads protobuf's primitives from a range of a {@code byte[]}, for the direct readers of the few hot messages
 * (AppendEntries, the client's commands and their answers): plain array reads instead of the generated parser's
 * objects and streams. Kept in one place so that the server's readers and the client's share one decoder of each
 * primitive.
 *
 * <p>It reads only what those readers take: one-byte tags (fields below 16) and well-formed varints and lengths.
 * Anything else — a longer tag, a varint of more than ten bytes, a length past the end — marks the cursor
 * {@link #broken()}, and the reader then leaves the frame to the generated parser, which accepts or rejects it by
 * protobuf's rules. A reader that gives up on a frame it could have read costs speed; one that reads a frame
 * differently from the generated parser would change the protocol, so when in doubt it gives up.
 */
public final class WireCursor {

    private final byte[] buf;
    private final int end;
    private int pos;
    private boolean broken;

    public WireCursor(byte[] buf, int pos, int end) {
        this.buf = buf;
        this.pos = pos;
        this.end = end;
    }

    /**
     * A cursor over the body of the frame at {@code frame[offset, offset + length)} when the frame is exactly one
     * length-delimited field {@code field} (the frame's oneof body) that runs to its end; null for any other frame
     * (another body, something after it, bytes that do not add up).
     */
    public static WireCursor body(byte[] frame, int offset, int length, int field) {
        WireCursor in = new WireCursor(frame, offset, offset + length);
        if (!in.more() || in.tag() != WireBytes.lengthDelimitedTag(field)) {
            return null;
        }
        long bodyLength = in.varint();
        return in.broken || bodyLength != in.remaining() ? null : in;
    }

    /** Bytes are left and none so far failed to add up. */
    public boolean more() {
        return pos < end && !broken;
    }

    /** Set when the bytes do not add up; the caller then leaves the frame to the generated parser. */
    public boolean broken() {
        return broken;
    }

    public int position() {
        return pos;
    }

    public long remaining() {
        return end - pos;
    }

    /** A one-byte tag (every field here is below 16); anything longer is not ours, and breaks the cursor. */
    public int tag() {
        int b = buf[pos++];
        if (b < 0) {
            broken = true;
        }
        return b;
    }

    public long varint() {
        long value = 0;
        for (int shift = 0; shift < 64 && pos < end; shift += 7) {
            byte b = buf[pos++];
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
        broken = true;
        return 0;
    }

    /**
     * Reads the length of an embedded message that starts here and returns where it ends; breaks the cursor (and
     * returns the current position) when it runs past the end.
     */
    public int messageEnd() {
        long length = varint();
        if (broken || length > remaining()) {
            broken = true;
            return pos;
        }
        return pos + (int) length;
    }

    /** Passes over a length-delimited field's length and contents. */
    public void skipLengthDelimited() {
        pos = messageEnd();
    }

    /** A bytes field's contents, copied out, which must end by {@code limit}. */
    public byte[] bytes(int limit) {
        long length = varint();
        if (broken || length > limit - pos) {
            broken = true;
            return null;
        }
        byte[] bytes = Arrays.copyOfRange(buf, pos, pos + (int) length);
        pos += bytes.length;
        return bytes;
    }
}
