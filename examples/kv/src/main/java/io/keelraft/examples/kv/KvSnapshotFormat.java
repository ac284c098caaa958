package io.keelraft.examples.kv;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The KV snapshot's bytes, streamed both ways (never the whole snapshot in memory):
 *
 * <pre>
 *   magic "KVS1" (4 bytes) | key count (8 bytes, big-endian)
 *   per key: key length (varint) | key bytes | value length (varint) | value bytes
 *   key count again (8 bytes): a cut-short or over-long stream is noticed
 * </pre>
 *
 * Keys come in the map's iteration order; the store checksums the bytes, so they need not be identical across
 * servers. A 1-byte varint for lengths under 128 keeps the overhead at about 2 bytes per small key and value.
 */
final class KvSnapshotFormat {

    static final int MAGIC = 0x4B565331; // "KVS1"
    private static final int BUFFER = 64 << 10;
    private static final int MAX_FIELD_BYTES = Integer.MAX_VALUE / 2;

    private KvSnapshotFormat() {
    }

    /** Writes {@code view} to {@code out} through a 64 KiB buffer; does not close {@code out}. */
    static void write(VersionedMap.View view, OutputStream out) throws IOException {
        Writer w = new Writer(out);
        w.int32(MAGIC);
        w.int64(view.size());
        long[] written = {0};
        view.forEach((key, value) -> {
            w.varint(key.length());
            w.latin1(key);
            w.varint(value.length);
            w.bytes(value);
            written[0]++;
        });
        if (written[0] != view.size()) {
            // The view is not what it promised: fail the snapshot rather than store a wrong one.
            throw new IOException("snapshot view yielded " + written[0] + " keys, expected " + view.size());
        }
        w.int64(view.size());
        w.flush();
    }

    /** Reads a snapshot written by {@link #write} into a new map. */
    static VersionedMap read(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(new BufferedInputStream(in, BUFFER));
        int magic = data.readInt();
        if (magic != MAGIC) {
            throw new IOException(String.format("not a KV snapshot (magic %08x, expected %08x)", magic, MAGIC));
        }
        long count = data.readLong();
        if (count < 0) {
            throw new IOException("negative key count " + count + " in KV snapshot");
        }
        VersionedMap map = new VersionedMap((int) Math.min(count, 1 << 28));
        for (long i = 0; i < count; i++) {
            byte[] key = readBytes(data, "key");
            byte[] value = readBytes(data, "value");
            map.put(new String(key, StandardCharsets.ISO_8859_1), value);
        }
        long trailer = data.readLong();
        if (trailer != count || map.size() != count) {
            throw new IOException("KV snapshot of " + count + " keys ends with " + trailer + " and holds "
                    + map.size() + " distinct keys");
        }
        if (data.read() >= 0) {
            throw new IOException("bytes after the end of the KV snapshot");
        }
        return map;
    }

    private static byte[] readBytes(DataInputStream in, String what) throws IOException {
        int length = 0;
        for (int shift = 0; ; shift += 7) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("KV snapshot ends inside a " + what + " length");
            }
            if (shift == 28 && (b & 0xF8) != 0) {
                throw new IOException("KV snapshot " + what + " length does not fit an int");
            }
            length |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        if (length > MAX_FIELD_BYTES) {
            // Above any --max-value-bytes the server takes: damage, not data; never allocate it.
            throw new IOException("KV snapshot " + what + " of " + length + " bytes, above the maximum of "
                    + MAX_FIELD_BYTES);
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }

    /** Fills a byte array and hands it to the stream whole: no per-field stream calls. */
    private static final class Writer {
        private final OutputStream out;
        private final byte[] buf = new byte[BUFFER];
        private int n;

        Writer(OutputStream out) {
            this.out = out;
        }

        void int32(int v) throws IOException {
            room(4);
            buf[n++] = (byte) (v >>> 24);
            buf[n++] = (byte) (v >>> 16);
            buf[n++] = (byte) (v >>> 8);
            buf[n++] = (byte) v;
        }

        void int64(long v) throws IOException {
            int32((int) (v >>> 32));
            int32((int) v);
        }

        void varint(int v) throws IOException {
            room(5);
            while ((v & ~0x7F) != 0) {
                buf[n++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[n++] = (byte) v;
        }

        @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): exactly ISO-8859-1 for our keys
        void latin1(String s) throws IOException {
            int length = s.length();
            if (length > buf.length - n) {
                bytes(s.getBytes(StandardCharsets.ISO_8859_1));
                return;
            }
            s.getBytes(0, length, buf, n); // keys hold only chars 0-255: the low byte is the byte
            n += length;
        }

        void bytes(byte[] b) throws IOException {
            if (b.length > buf.length - n) {
                flushBuffer();
                if (b.length > buf.length / 2) {
                    out.write(b); // large values skip the buffer
                    return;
                }
            }
            System.arraycopy(b, 0, buf, n, b.length);
            n += b.length;
        }

        private void room(int bytes) throws IOException {
            if (buf.length - n < bytes) {
                flushBuffer();
            }
        }

        private void flushBuffer() throws IOException {
            if (n > 0) {
                out.write(buf, 0, n);
                n = 0;
            }
        }

        void flush() throws IOException {
            flushBuffer();
            out.flush();
        }
    }
}
