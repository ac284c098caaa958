package io.keelraft.storage;

import io.keelraft.core.StorageCorruptedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one segment file on open, checking every record, and decides what a bad record means.
 *
 * <p>The rule: a bad record (short, wrong length, bad CRC) in the <em>last</em> segment with no valid record
 * after it is a torn write — the tail of a batch whose {@code force} never returned, so none of it was
 * reported durable — and the file is truncated there (and the truncation logged). A bad record followed by a
 * valid one, or in any segment but the last (each is forced before the next is created), is damage to data
 * that may be committed: the open fails with {@link StorageCorruptedException} naming the file, byte offset
 * and index. A record whose CRC is valid but whose index, type or term is wrong was written that way, never
 * torn, and is corruption too.
 *
 * <p>Zeros from a record boundary to the end of the file are not a bad record: they are the unused part of a
 * preallocated segment, and the segment ends there.
 *
 * <p>Limit: a record damaged in the very last batch, with nothing valid after it, cannot be told from a torn
 * write and is dropped; every earlier record is protected.
 */
final class SegmentScanner {

    private static final Logger log = LoggerFactory.getLogger(SegmentScanner.class);
    private static final int WINDOW_BYTES = 1 << 20;

    /** Told the index and term of each valid record, in order. */
    @FunctionalInterface
    interface RecordSink {
        void accept(long index, long term);
    }

    /** What a scan found: record positions, the end of the last valid record, the last record's term. */
    record Result(int[] positions, int count, long end, long lastTerm) {
        long lastIndex(long firstIndex) {
            return firstIndex + count - 1;
        }
    }

    private final Disk disk;
    private final Path file;
    private final FileChannel channel;
    private final long size;
    private final CRC32C crc = new CRC32C();
    private ByteBuffer window = ByteBuffer.allocate(0);
    private long windowStart;

    private SegmentScanner(Disk disk, Path file, FileChannel channel) throws IOException {
        this.disk = disk;
        this.file = file;
        this.channel = channel;
        this.size = channel.size();
    }

    /**
     * Scans {@code file}, whose first index is {@code firstIndex}; {@code previousTerm} is the last term of
     * the segment before (0 if none). When {@code isLast}, a torn tail is truncated away.
     */
    static Result scan(Disk disk, Path file, FileChannel channel, long firstIndex, long previousTerm,
                       boolean isLast, RecordSink sink) throws IOException {
        return new SegmentScanner(disk, file, channel).scan(firstIndex, previousTerm, isLast, sink);
    }

    private Result scan(long firstIndex, long previousTerm, boolean isLast, RecordSink sink) throws IOException {
        if (size < Segment.HEADER_BYTES) {
            throw new StorageCorruptedException(file, 0, firstIndex, "segment is " + size
                    + " bytes, shorter than its header (segments are created whole, by rename)");
        }
        String headerProblem = Segment.checkHeader(window(0, Segment.HEADER_BYTES).slice(at(0), Segment.HEADER_BYTES),
                firstIndex);
        if (headerProblem != null) {
            throw new StorageCorruptedException(file, 0, firstIndex, headerProblem);
        }
        int[] positions = new int[1024];
        int count = 0;
        long position = Segment.HEADER_BYTES;
        long index = firstIndex;
        long term = previousTerm;
        while (position < size) {
            String problem = checkRecord(position);
            if (problem == null) {
                ByteBuffer w = window(position, RecordFormat.HEADER_BYTES);
                int at = at(position);
                long recordIndex = w.getLong(at + RecordFormat.INDEX_OFFSET);
                long recordTerm = w.getLong(at + RecordFormat.TERM_OFFSET);
                String definite = null;
                if (recordIndex != index) {
                    definite = "record holds index " + recordIndex + " where index " + index + " belongs";
                } else if (RecordFormat.type(w.get(at + RecordFormat.TYPE_OFFSET)) == null) {
                    definite = "unknown entry type " + w.get(at + RecordFormat.TYPE_OFFSET);
                } else if (recordTerm < term) {
                    definite = "term " + recordTerm + " is lower than the previous entry's term " + term;
                }
                if (definite != null) {
                    throw new StorageCorruptedException(file, position, index, definite + " (the record's checksum"
                            + " is valid, so it was written this way)");
                }
                sink.accept(index, recordTerm);
                if (count == positions.length) {
                    positions = Arrays.copyOf(positions, count * 2);
                }
                positions[count++] = (int) position;
                position += RecordFormat.HEADER_BYTES + w.getInt(at + RecordFormat.LENGTH_OFFSET);
                index++;
                term = recordTerm;
                continue;
            }
            if (zeroToEnd(position)) {
                // A preallocated segment's unused space (SegmentPreallocator): the records end here. A zeroed
                // region that hid records of a segment that is not the last is still caught, by the next
                // segment's first index not following on.
                break;
            }
            if (!isLast) {
                throw new StorageCorruptedException(file, position, index, problem + "; later segments exist");
            }
            long next = findValidRecord(position, index - 1);
            if (next >= 0) {
                throw new StorageCorruptedException(file, position, index, problem
                        + "; a valid record follows at byte offset " + next);
            }
            log.warn("{}: torn tail at byte offset {} ({}): dropping its last {} bytes; the log ends at index {}",
                    file, position, problem, size - position, index - 1);
            disk.truncate(channel, file, position);
            break;
        }
        return new Result(positions, count, position, term);
    }

    /** Null when a plausible, checksummed record starts at {@code position}; else what is wrong. */
    private String checkRecord(long position) throws IOException {
        long remaining = size - position;
        if (remaining < RecordFormat.HEADER_BYTES) {
            return "incomplete record header (" + remaining + " bytes before the end of the file)";
        }
        ByteBuffer w = window(position, RecordFormat.HEADER_BYTES);
        if (isZero(w, at(position), RecordFormat.HEADER_BYTES)) {
            return "zeroed bytes where a record header belongs";
        }
        int length = w.getInt(at(position) + RecordFormat.LENGTH_OFFSET);
        if (length < 0 || length > remaining - RecordFormat.HEADER_BYTES) {
            return "record length " + length + " runs past the end of the file";
        }
        w = window(position, RecordFormat.HEADER_BYTES + length);
        if (!RecordFormat.checksumMatches(w, at(position), length, crc)) {
            return "checksum mismatch";
        }
        return null;
    }

    /**
     * The offset of the first valid record after {@code badPosition} whose index is above
     * {@code lastValidIndex}, or -1. Scans byte by byte, since the bad record's length cannot be trusted.
     */
    private long findValidRecord(long badPosition, long lastValidIndex) throws IOException {
        long maxIndex = lastValidIndex + (size - badPosition) / RecordFormat.HEADER_BYTES + 1;
        for (long p = badPosition + 1; p + RecordFormat.HEADER_BYTES <= size; p++) {
            ByteBuffer w = window(p, RecordFormat.HEADER_BYTES);
            int at = at(p);
            long index = w.getLong(at + RecordFormat.INDEX_OFFSET);
            if (index <= lastValidIndex || index > maxIndex
                    || RecordFormat.type(w.get(at + RecordFormat.TYPE_OFFSET)) == null) {
                continue;
            }
            if (checkRecord(p) == null) {
                return p;
            }
        }
        return -1;
    }

    /** True when every byte from {@code position} to the end of the file is zero. */
    private boolean zeroToEnd(long position) throws IOException {
        for (long p = position; p < size; ) {
            int length = (int) Math.min(WINDOW_BYTES, size - p);
            ByteBuffer w = window(p, length);
            if (!isZero(w, at(p), length)) {
                return false;
            }
            p += length;
        }
        return true;
    }

    private static boolean isZero(ByteBuffer buffer, int from, int length) {
        int i = from;
        int end = from + length;
        for (; i + Long.BYTES <= end; i += Long.BYTES) {
            if (buffer.getLong(i) != 0) {
                return false;
            }
        }
        for (; i < end; i++) {
            if (buffer.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** A buffer holding bytes [position, position + length) of the file, at offset {@link #at}. */
    private ByteBuffer window(long position, int length) throws IOException {
        if (position >= windowStart && position + length <= windowStart + window.limit()) {
            return window;
        }
        int capacity = Math.max(WINDOW_BYTES, length);
        if (window.capacity() < capacity) {
            window = ByteBuffer.allocate(capacity);
        }
        window.clear();
        int wanted = (int) Math.min(capacity, size - position);
        window.limit(wanted);
        while (window.hasRemaining()) {
            if (channel.read(window, position + window.position()) < 0) {
                break;
            }
        }
        window.flip();
        windowStart = position;
        return window;
    }

    private int at(long position) {
        return (int) (position - windowStart);
    }
}
