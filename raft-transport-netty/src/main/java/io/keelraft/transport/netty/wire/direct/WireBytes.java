package io.keelraft.transport.netty.wire.direct;

import com.google.protobuf.WireFormat;

/**
 * Writes protobuf's primitives (one-byte tags, varints, length prefixes) into a {@code byte[]}: what the direct
 * codecs need to produce the generated code's bytes for their few hot messages without its builders, its objects
 * or its streams. Kept in one place so that the server's codecs and the client's share one encoder of each
 * primitive.
 *
 * <p>Every field these codecs write has a number below 16, so its tag is one byte. Sizes follow protobuf's: proto3
 * leaves out a scalar field holding zero and a bytes field holding nothing, and so do {@link #sizeIfSet},
 * {@link #sizeIfNotEmpty} and {@link #writeIfSet}.
 */
public final class WireBytes {

    /** What a bytes field that is absent (or empty) reads as, as protobuf's {@code ByteString.toByteArray()}. */
    public static final byte[] EMPTY = new byte[0];

    private WireBytes() {
    }

    /** The one-byte tag of {@code field} (below 16) with {@code wireType}. */
    public static int tag(int field, int wireType) {
        return (field << 3) | wireType;
    }

    /** The tag of a varint field ({@code uint64}, {@code enum}, {@code bool}). */
    public static int varintTag(int field) {
        return tag(field, WireFormat.WIRETYPE_VARINT);
    }

    /** The tag of a length-delimited field (a message or {@code bytes}). */
    public static int lengthDelimitedTag(int field) {
        return tag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    }

    public static int varintSize(long value) {
        return value == 0 ? 1 : (63 - Long.numberOfLeadingZeros(value)) / 7 + 1;
    }

    /** A varint field with a one-byte tag; nothing when zero (proto3). */
    public static int sizeIfSet(long value) {
        return value == 0 ? 0 : 1 + varintSize(value);
    }

    /** A length-delimited field of {@code length} bytes with a one-byte tag: a message, always written when set. */
    public static int lengthDelimitedSize(int length) {
        return 1 + varintSize(length) + length;
    }

    /** A bytes field of {@code length} bytes with a one-byte tag; nothing when empty (proto3). */
    public static int sizeIfNotEmpty(int length) {
        return length == 0 ? 0 : lengthDelimitedSize(length);
    }

    /** Writes a varint field unless it is zero (proto3); returns the position after it. */
    public static int writeIfSet(byte[] out, int pos, int field, long value) {
        return value == 0 ? pos : writeVarint(out, writeTag(out, pos, field, WireFormat.WIRETYPE_VARINT), value);
    }

    /** Writes the tag and length of a length-delimited field, whose {@code length} bytes the caller writes next. */
    public static int writeLengthDelimitedHead(byte[] out, int pos, int field, int length) {
        return writeVarint(out, writeTag(out, pos, field, WireFormat.WIRETYPE_LENGTH_DELIMITED), length);
    }

    /** Every field number here is below 16: its tag is one byte. */
    public static int writeTag(byte[] out, int pos, int field, int wireType) {
        out[pos] = (byte) tag(field, wireType);
        return pos + 1;
    }

    public static int writeVarint(byte[] out, int pos, long value) {
        while ((value & ~0x7FL) != 0) {
            out[pos++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out[pos++] = (byte) value;
        return pos;
    }
}
