package io.keelraft.transport.netty.wire.direct;

import static io.keelraft.transport.netty.wire.direct.WireBytes.lengthDelimitedSize;
import static io.keelraft.transport.netty.wire.direct.WireBytes.sizeIfNotEmpty;
import static io.keelraft.transport.netty.wire.direct.WireBytes.sizeIfSet;
import static io.keelraft.transport.netty.wire.direct.WireBytes.writeIfSet;
import static io.keelraft.transport.netty.wire.direct.WireBytes.writeLengthDelimitedHead;

import com.google.protobuf.WireFormat;
import io.keelraft.transport.netty.wire.ClientRequest;
import io.keelraft.transport.netty.wire.ForwardResponse;
import io.keelraft.transport.netty.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The client protocol's two hot frames — a client's command and the server's Applied answer, one of each per
 * request — written and read without the generated protobuf code. Parsing a request with it cost the leader a
 * builder and a message per level, a ByteString and a second copy of the command; answering cost a builder and a
 * message per level again; the client paid the mirror image. Here a request or an answer costs the one array its
 * bytes field is copied into, and the bytes are those of the generated code (tests compare both ways against it),
 * so the wire format is unchanged.
 *
 * <p>Both frames have one shape, {@code Frame { body: { 1: uint64 id, inner: { 1..n: uint64, n+1: bytes } } }}:
 * <ul>
 *   <li>{@link #CLIENT_COMMAND}: {@code Frame { client_request: ClientRequest { call_id, command: Command {
 *       session_id, seq, acked_through, command } } }};</li>
 *   <li>{@link #APPLIED}: {@code Frame { forward_response: ForwardResponse { correlation_id, applied: Applied {
 *       index, result } } }}.</li>
 * </ul>
 *
 * <p><b>Writing.</b> The bytes field is the last field of both, so a frame is a head of at most
 * {@link #MAX_HEAD_BYTES} (tags, lengths and numbers) followed by the bytes themselves: the head is laid out in a
 * small array the caller reuses, and {@link #frame} puts the length prefix, the head and the bytes into the
 * network buffer, which copies the bytes once.
 *
 * <p><b>Reading</b> takes the fields of the shape in any order, the last value of a repeated one winning and a
 * repeated inner message merging into the first, as protobuf does. A frame with anything else in it — another
 * body or another case of the body's oneof, unknown fields, other wire types, bytes that do not add up — is left
 * to the generated parser ({@link #read} returns false), which accepts or rejects it by protobuf's rules: this
 * reader never gives an answer the generated code would not.
 */
public final class CallFrame {

    /**
     * The most bytes a head takes: three one-byte tags with lengths of at most five bytes (the body, the inner
     * message, the bytes field), and the id and three uint64 fields of at most eleven (62 in all).
     */
    public static final int MAX_HEAD_BYTES = 64;

    /** Every frame travels after its size, a 4-byte big-endian int. */
    public static final int LENGTH_PREFIX_BYTES = 4;

    /** A client's command: the one request a client sends per {@code submit}. */
    public static final CallFrame CLIENT_COMMAND = new CallFrame(Frame.CLIENT_REQUEST_FIELD_NUMBER,
            ClientRequest.CALL_ID_FIELD_NUMBER, ClientRequest.COMMAND_FIELD_NUMBER,
            ClientRequest.Command.ACKED_THROUGH_FIELD_NUMBER, ClientRequest.Command.COMMAND_FIELD_NUMBER);

    /** A server's answer to a command or query that was applied or read: the one answer per request. */
    public static final CallFrame APPLIED = new CallFrame(Frame.FORWARD_RESPONSE_FIELD_NUMBER,
            ForwardResponse.CORRELATION_ID_FIELD_NUMBER, ForwardResponse.APPLIED_FIELD_NUMBER,
            ForwardResponse.Applied.INDEX_FIELD_NUMBER, ForwardResponse.Applied.RESULT_FIELD_NUMBER);

    private static final int ID = 1;
    private static final int ID_TAG = WireBytes.varintTag(ID);
    private static final int MAX_UINT64_FIELDS = 3;

    private final int bodyField;
    private final int innerField;
    /** The inner message's uint64 fields are 1 to this; its bytes field is the next. */
    private final int uint64Fields;
    private final int bytesField;
    private final int innerTag;
    private final int bytesTag;

    private CallFrame(int bodyField, int idField, int innerField, int lastUint64Field, int bytesField) {
        if (idField != ID || lastUint64Field > MAX_UINT64_FIELDS || bytesField != lastUint64Field + 1
                || bodyField >= 16) {
            throw new IllegalStateException("keel.proto no longer has the shape this codec writes");
        }
        this.bodyField = bodyField;
        this.innerField = innerField;
        this.uint64Fields = lastUint64Field;
        this.bytesField = bytesField;
        this.innerTag = WireBytes.lengthDelimitedTag(innerField);
        this.bytesTag = WireBytes.lengthDelimitedTag(bytesField);
    }

    /** The first byte of every such frame (the body's tag): a cheap look before reading a frame. */
    public byte firstByte() {
        return (byte) WireBytes.lengthDelimitedTag(bodyField);
    }

    // ------------------------------------------------------------------ writing

    /**
     * Writes a client's command frame into {@code out} from {@code pos} up to, not including, the command's
     * {@code commandLength} bytes, which end the frame; returns the position after the head. The frame's size is
     * the head's plus {@code commandLength}.
     */
    public static int writeCommandHead(byte[] out, int pos, long callId, long sessionId, long seq,
                                       long ackedThrough, int commandLength) {
        return CLIENT_COMMAND.writeHead(out, pos, callId, sessionId, seq, ackedThrough, commandLength);
    }

    /** {@link #writeCommandHead} for an Applied answer: the result's {@code resultLength} bytes end the frame. */
    public static int writeAppliedHead(byte[] out, int pos, long correlationId, long index, int resultLength) {
        return APPLIED.writeHead(out, pos, correlationId, index, 0, 0, resultLength);
    }

    /**
     * Fields 1 to 3 of the inner message are {@code first} to {@code third}; a shape with fewer uint64 fields is
     * given zeros for the rest, which proto3 leaves out, so they write nothing.
     */
    private int writeHead(byte[] out, int pos, long id, long first, long second, long third, int bytesLength) {
        int inner = sizeIfSet(first) + sizeIfSet(second) + sizeIfSet(third) + sizeIfNotEmpty(bytesLength);
        int body = sizeIfSet(id) + lengthDelimitedSize(inner);
        pos = writeLengthDelimitedHead(out, pos, bodyField, body);
        pos = writeIfSet(out, pos, ID, id);
        pos = writeLengthDelimitedHead(out, pos, innerField, inner);
        pos = writeIfSet(out, pos, 1, first);
        pos = writeIfSet(out, pos, 2, second);
        pos = writeIfSet(out, pos, 3, third);
        return bytesLength == 0 ? pos : writeLengthDelimitedHead(out, pos, bytesField, bytesLength);
    }

    /**
     * The whole frame as it travels, in a new buffer the caller owns: the length prefix, the head in
     * {@code head[0, headLength)}, then {@code tail}, the bytes field's contents.
     */
    public static ByteBuf frame(ByteBufAllocator alloc, byte[] head, int headLength, byte[] tail) {
        int size = headLength + tail.length;
        ByteBuf out = alloc.ioBuffer(LENGTH_PREFIX_BYTES + size);
        return out.writeInt(size).writeBytes(head, 0, headLength).writeBytes(tail);
    }

    // ------------------------------------------------------------------ reading

    /**
     * Reads the frame at {@code frame[offset, offset + length)} into {@code into} when it is one of this shape;
     * false, with {@code into} undefined, when it holds anything this reader does not take, for the generated
     * parser to handle.
     */
    public boolean read(byte[] frame, int offset, int length, Fields into) {
        into.clear();
        WireCursor in = WireCursor.body(frame, offset, length, bodyField);
        if (in == null) {
            return false;
        }
        boolean inner = false;
        while (in.more()) {
            int tag = in.tag();
            if (tag == ID_TAG) {
                into.id = in.varint();
            } else if (tag == innerTag) {
                // Again: protobuf merges the second into the first, field by field, as readInner does.
                if (!readInner(in, into)) {
                    return false;
                }
                inner = true;
            } else {
                return false; // another case of the oneof, an unknown field, another wire type, a longer tag
            }
        }
        return inner && !in.broken();
    }

    private boolean readInner(WireCursor in, Fields into) {
        int end = in.messageEnd();
        while (!in.broken() && in.position() < end) {
            int tag = in.tag();
            int field = tag >>> 3;
            if (tag == bytesTag) {
                into.bytes = in.bytes(end); // the one copy, out of the network's bytes
            } else if ((tag & 7) == WireFormat.WIRETYPE_VARINT && field >= 1 && field <= uint64Fields) {
                into.uint64[field - 1] = in.varint();
            } else {
                return false;
            }
            if (in.position() > end) {
                return false; // a varint ran on past the inner message
            }
        }
        return !in.broken();
    }

    /**
     * What {@link #read} found, reused from frame to frame by one reader (not thread-safe): the id, the inner
     * message's uint64 fields by number, and its bytes field ({@link WireBytes#EMPTY} when absent).
     */
    public static final class Fields {
        private long id;
        private final long[] uint64 = new long[MAX_UINT64_FIELDS];
        private byte[] bytes = WireBytes.EMPTY;

        /** The call id of a command, the correlation id of an answer. */
        public long id() {
            return id;
        }

        /** The inner message's uint64 field {@code number}, as in {@code keel.proto} (0 when absent). */
        public long uint64(int number) {
            return uint64[number - 1];
        }

        /** The inner message's bytes field: the command or the result. */
        public byte[] bytes() {
            return bytes;
        }

        private void clear() {
            id = 0;
            uint64[0] = 0;
            uint64[1] = 0;
            uint64[2] = 0;
            bytes = WireBytes.EMPTY;
        }
    }
}
