package io.keelraft.storage;

import io.keelraft.core.protocol.EntryType;
import io.keelraft.core.protocol.LogEntry;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * How one log entry is framed on disk, big-endian:
 *
 * <pre>
 *   length  int   payload bytes
 *   crc32c  int   CRC32C of length, term, index, type and payload (every byte but the crc itself)
 *   term    long
 *   index   long
 *   type    byte  1 COMMAND, 2 NO_OP, 3 CONFIGURATION (0 never: a zeroed tail is never a valid record)
 *   payload length bytes
 * </pre>
 */
final class RecordFormat {

    static final int HEADER_BYTES = 4 + 4 + 8 + 8 + 1;
    static final int LENGTH_OFFSET = 0;
    static final int CRC_OFFSET = 4;
    static final int TERM_OFFSET = 8;
    static final int INDEX_OFFSET = 16;
    static final int TYPE_OFFSET = 24;

    private RecordFormat() {
    }

    static int recordBytes(LogEntry entry) {
        return HEADER_BYTES + entry.payload().length;
    }

    /** Entry size as {@link LogEntry#sizeInBytes()} counts it, from the record's size on disk. */
    static long entryBytes(long recordBytes) {
        return recordBytes - HEADER_BYTES + LogEntry.OVERHEAD_BYTES;
    }

    static byte typeCode(EntryType type) {
        return switch (type) {
            case COMMAND -> 1;
            case NO_OP -> 2;
            case CONFIGURATION -> 3;
        };
    }

    /** The type for {@code code}, or null when the code is not one this version writes. */
    static EntryType type(byte code) {
        return switch (code) {
            case 1 -> EntryType.COMMAND;
            case 2 -> EntryType.NO_OP;
            case 3 -> EntryType.CONFIGURATION;
            default -> null;
        };
    }

    /** Puts the record for {@code entry} at {@code out}'s position, which has room for it. */
    static void encode(LogEntry entry, ByteBuffer out, CRC32C crc) {
        int start = out.position();
        byte[] payload = entry.payload();
        out.putInt(payload.length);
        out.putInt(0); // the crc, filled in below
        out.putLong(entry.term());
        out.putLong(entry.index());
        out.put(typeCode(entry.type()));
        out.put(payload);
        out.putInt(start + CRC_OFFSET, checksum(out, start, payload.length, crc));
    }

    /**
     * The CRC of the record at {@code start} in {@code buffer} whose payload is {@code length} bytes; the
     * buffer must hold the whole record. Leaves the buffer's position and limit alone.
     */
    static int checksum(ByteBuffer buffer, int start, int length, CRC32C crc) {
        crc.reset();
        ByteBuffer view = buffer.duplicate();
        view.limit(start + CRC_OFFSET).position(start + LENGTH_OFFSET);
        crc.update(view);
        view.limit(start + HEADER_BYTES + length).position(start + TERM_OFFSET);
        crc.update(view);
        return (int) crc.getValue();
    }

    /** True when the record at {@code start} (all of it in {@code buffer}) carries a matching CRC. */
    static boolean checksumMatches(ByteBuffer buffer, int start, int length, CRC32C crc) {
        return buffer.getInt(start + CRC_OFFSET) == checksum(buffer, start, length, crc);
    }

    /** Decodes the record at {@code start}, already checked, into an entry with a copied payload. */
    static LogEntry decode(ByteBuffer buffer, int start) {
        int length = buffer.getInt(start + LENGTH_OFFSET);
        byte[] payload = new byte[length];
        buffer.get(start + HEADER_BYTES, payload);
        return new LogEntry(buffer.getLong(start + INDEX_OFFSET), buffer.getLong(start + TERM_OFFSET),
                type(buffer.get(start + TYPE_OFFSET)), payload);
    }
}
