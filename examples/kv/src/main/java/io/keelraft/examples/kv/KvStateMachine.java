package io.keelraft.examples.kv;

import io.keelraft.core.StateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The replicated key-value map. A log entry is a batch of write operations from one client connection
 * ({@link KvCodec}), applied in order as one step; its result is the list of their replies. A query is a batch of
 * read operations answered against the state at the read index. Deterministic: the replies depend only on the
 * map and the batch, so every server computes the same ones.
 *
 * <p>Keys are kept as ISO-8859-1 strings, a one-to-one and compact view of their bytes. Called only on Keel's
 * apply thread, except a captured snapshot's {@code writeTo}.
 *
 * <p>Snapshots follow {@link StateMachine#snapshot()}'s contract: capturing is O(1) on the apply thread
 * ({@link VersionedMap#capture()}), writing streams that frozen view on Keel's snapshot thread
 * ({@link KvSnapshotFormat}) while applies go on.
 */
final class KvStateMachine implements StateMachine {

    static final String NOT_AN_INTEGER = "ERR value is not an integer or out of range";
    static final String OVERFLOW = "ERR increment or decrement would overflow";

    /** Replaced whole by a restore; a snapshot being written keeps reading the instance it captured. */
    private VersionedMap map = new VersionedMap();

    @Override
    public byte[] apply(long index, byte[] command) {
        return run(command, true);
    }

    @Override
    public byte[] query(byte[] query) {
        return run(query, false);
    }

    private byte[] run(byte[] batch, boolean mayWrite) {
        List<KvOp> ops;
        try {
            ops = KvCodec.decodeOps(batch);
        } catch (IllegalArgumentException e) {
            // Every server decodes the same bytes the same way, so answering (rather than throwing, which would
            // stop the server) keeps the replicas identical.
            return KvCodec.encodeReplies(List.of(Reply.error("ERR malformed batch: " + e.getMessage())));
        }
        List<Reply> replies = new ArrayList<>(ops.size());
        for (KvOp op : ops) {
            replies.add(execute(op, mayWrite));
        }
        return KvCodec.encodeReplies(replies);
    }

    /** Runs one operation; a write in a query is refused. */
    Reply execute(KvOp kv, boolean mayWrite) {
        if (kv.op().write && !mayWrite) {
            return Reply.error("ERR " + kv.op() + " is a write and cannot run as a query");
        }
        byte[][] a = kv.args();
        try {
            switch (kv.op()) {
                case SET:
                    map.put(key(a[0]), a[1]);
                    return Reply.OK;
                case SET_NX: {
                    String k = key(a[0]);
                    if (map.containsKey(k)) {
                        return Reply.NIL;
                    }
                    map.put(k, a[1]);
                    return Reply.OK;
                }
                case SET_XX: {
                    String k = key(a[0]);
                    if (!map.containsKey(k)) {
                        return Reply.NIL;
                    }
                    map.put(k, a[1]);
                    return Reply.OK;
                }
                case DEL: {
                    long n = 0;
                    for (byte[] k : a) {
                        n += map.remove(key(k)) ? 1 : 0;
                    }
                    return new Reply.Int(n);
                }
                case INCRBY:
                    return incrBy(key(a[0]), ByteBuffer.wrap(a[1]).getLong());
                case MSET:
                    for (int i = 0; i + 1 < a.length; i += 2) {
                        map.put(key(a[i]), a[i + 1]);
                    }
                    return Reply.OK;
                case CAS: {
                    String k = key(a[0]);
                    byte[] current = map.get(k);
                    if (current != null && Arrays.equals(current, a[1])) {
                        map.put(k, a[2]);
                        return new Reply.Int(1);
                    }
                    return new Reply.Int(0);
                }
                case GET: {
                    byte[] v = map.get(key(a[0]));
                    return v == null ? Reply.NIL : new Reply.Bulk(v);
                }
                case MGET: {
                    List<Reply> values = new ArrayList<>(a.length);
                    for (byte[] k : a) {
                        byte[] v = map.get(key(k));
                        values.add(v == null ? Reply.NIL : new Reply.Bulk(v));
                    }
                    return new Reply.Multi(values);
                }
                case EXISTS: {
                    long n = 0;
                    for (byte[] k : a) {
                        n += map.containsKey(key(k)) ? 1 : 0;
                    }
                    return new Reply.Int(n);
                }
                case DBSIZE:
                    return new Reply.Int(map.size());
                default:
                    return Reply.error("ERR unknown operation " + kv.op());
            }
        } catch (ArrayIndexOutOfBoundsException | java.nio.BufferUnderflowException e) {
            return Reply.error("ERR malformed " + kv.op() + ": " + a.length + " arguments");
        }
    }

    private Reply incrBy(String key, long delta) {
        byte[] current = map.get(key);
        long value = 0;
        if (current != null) {
            Long parsed = parseLong(current);
            if (parsed == null) {
                return Reply.error(NOT_AN_INTEGER);
            }
            value = parsed;
        }
        long result;
        try {
            result = Math.addExact(value, delta);
        } catch (ArithmeticException e) {
            return Reply.error(OVERFLOW);
        }
        map.put(key, Long.toString(result).getBytes(StandardCharsets.US_ASCII));
        return new Reply.Int(result);
    }

    /**
     * A signed 64-bit decimal as Redis accepts it: no sign-only, no leading zeros or '+', no spaces; else null.
     */
    static Long parseLong(byte[] bytes) {
        if (bytes.length == 0 || bytes.length > 20) {
            return null;
        }
        String s = new String(bytes, StandardCharsets.US_ASCII);
        if (!s.matches("0|-?[1-9][0-9]*")) {
            return null;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static String key(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** The number of keys (for tests). */
    long size() {
        return map.size();
    }

    /** Nodes kept for snapshots being written (for tests: 0 once none is). */
    long historyNodes() {
        return map.historyNodes();
    }

    /**
     * Freezes the map in O(1) (no copy); the returned snapshot streams it on the caller's thread while applies go
     * on. Written once; the view is released on {@code close()}, whether it was written or abandoned.
     */
    @Override
    public Snapshot snapshot() {
        VersionedMap.View view = map.capture();
        return new Snapshot() {
            @Override
            public void writeTo(OutputStream out) throws IOException {
                KvSnapshotFormat.write(view, out);
            }

            @Override
            public void close() {
                view.release(); // written or abandoned: the map may drop the versions this view kept
            }
        };
    }

    @Override
    public void restore(InputStream in) throws IOException {
        map = KvSnapshotFormat.read(in); // the old map stays whole if reading fails
    }
}
