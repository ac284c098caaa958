package io.keelraft.examples.kv;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The byte forms the state machine sees: a batch of operations (a log entry, or a query) and the list of
 * their replies. Big-endian, lengths before contents, so the same batch always encodes to the same bytes:
 *
 * <pre>
 * batch  = version (byte 1) | count (int) | op*
 * op     = code (byte) | argc (int) | (length (int) | bytes)*
 * replies = count (int) | reply*
 * reply  = 0 simple (int length, UTF-8) | 1 nil | 2 integer (long) | 3 bulk (int length, bytes)
 *        | 4 error (int length, UTF-8) | 5 array (int count, reply*)
 * </pre>
 *
 * Decoding checks every length against the bytes left, so a malformed input fails with
 * {@link IllegalArgumentException} and never allocates more than it was given.
 */
final class KvCodec {

    static final byte VERSION = 1;

    private static final byte SIMPLE = 0;
    private static final byte NIL = 1;
    private static final byte INT = 2;
    private static final byte BULK = 3;
    private static final byte ERROR = 4;
    private static final byte ARRAY = 5;

    private KvCodec() {
    }

    static byte[] encodeOps(List<KvOp> ops) {
        int size = 1 + 4;
        for (KvOp op : ops) {
            size += op.encodedSize();
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(VERSION).putInt(ops.size());
        for (KvOp op : ops) {
            out.put(op.op().code).putInt(op.args().length);
            for (byte[] a : op.args()) {
                out.putInt(a.length).put(a);
            }
        }
        return out.array();
    }

    static List<KvOp> decodeOps(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            byte version = in.get();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown batch version " + version);
            }
            int count = count(in, 5);
            List<KvOp> ops = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte code = in.get();
                Op op = Op.ofCode(code);
                if (op == null) {
                    throw new IllegalArgumentException("unknown operation code " + code);
                }
                int argc = count(in, 4);
                byte[][] args = new byte[argc][];
                for (int j = 0; j < argc; j++) {
                    args[j] = bytes(in);
                }
                ops.add(new KvOp(op, args));
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the last operation");
            }
            return ops;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("batch ends early", e);
        }
    }

    static byte[] encodeReplies(List<Reply> replies) {
        Sink out = new Sink();
        out.putInt(replies.size());
        for (Reply r : replies) {
            encode(r, out);
        }
        return out.toArray();
    }

    static List<Reply> decodeReplies(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            List<Reply> replies = decodeList(in, 0);
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the last reply");
            }
            return replies;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("replies end early", e);
        }
    }

    private static List<Reply> decodeList(ByteBuffer in, int depth) {
        if (depth > 8) {
            throw new IllegalArgumentException("replies nested too deep");
        }
        int count = count(in, 1);
        List<Reply> replies = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte tag = in.get();
            replies.add(switch (tag) {
                case SIMPLE -> new Reply.Simple(new String(bytes(in), StandardCharsets.UTF_8));
                case NIL -> Reply.NIL;
                case INT -> new Reply.Int(in.getLong());
                case BULK -> new Reply.Bulk(bytes(in));
                case ERROR -> new Reply.Error(new String(bytes(in), StandardCharsets.UTF_8));
                case ARRAY -> new Reply.Multi(decodeList(in, depth + 1));
                default -> throw new IllegalArgumentException("unknown reply tag " + tag);
            });
        }
        return replies;
    }

    private static void encode(Reply r, Sink out) {
        if (r instanceof Reply.Simple s) {
            out.put(SIMPLE).putBytes(s.text().getBytes(StandardCharsets.UTF_8));
        } else if (r instanceof Reply.Nil) {
            out.put(NIL);
        } else if (r instanceof Reply.Int i) {
            out.put(INT).putLong(i.value());
        } else if (r instanceof Reply.Bulk b) {
            out.put(BULK).putBytes(b.value());
        } else if (r instanceof Reply.Error e) {
            out.put(ERROR).putBytes(e.message().getBytes(StandardCharsets.UTF_8));
        } else {
            Reply.Multi m = (Reply.Multi) r;
            out.put(ARRAY).putInt(m.items().size());
            m.items().forEach(item -> encode(item, out));
        }
    }

    /** A count of elements each taking at least {@code minBytes}: never more than the bytes left allow. */
    private static int count(ByteBuffer in, int minBytes) {
        int n = in.getInt();
        if (n < 0 || (long) n * minBytes > in.remaining()) {
            throw new IllegalArgumentException("count " + n + " does not fit in " + in.remaining() + " bytes");
        }
        return n;
    }

    private static byte[] bytes(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw new IllegalArgumentException("length " + n + " does not fit in " + in.remaining() + " bytes");
        }
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    /** A growable big-endian byte sink. */
    private static final class Sink {
        private ByteBuffer buf = ByteBuffer.allocate(64);

        private void ensure(int n) {
            if (buf.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n));
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
        }

        Sink put(byte b) {
            ensure(1);
            buf.put(b);
            return this;
        }

        Sink putInt(int v) {
            ensure(4);
            buf.putInt(v);
            return this;
        }

        Sink putLong(long v) {
            ensure(8);
            buf.putLong(v);
            return this;
        }

        Sink putBytes(byte[] b) {
            ensure(4 + b.length);
            buf.putInt(b.length).put(b);
            return this;
        }

        byte[] toArray() {
            byte[] out = new byte[buf.position()];
            buf.flip().get(out);
            return out;
        }
    }
}
