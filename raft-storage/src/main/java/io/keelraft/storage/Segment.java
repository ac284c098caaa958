package io.keelraft.storage;

import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.StorageCorruptedException;
import io.keelraft.core.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * One segment file of the log: a header, then the records of consecutive entries from {@link #firstIndex}.
 * The file is named after its first index ({@code 00000000000000000001.log}) and starts with
 *
 * <pre>
 *   magic "KLOG"  int   0x4B4C4F47
 *   version       int   1
 *   firstIndex    long
 *   crc32c        int   CRC32C of the 16 bytes before it
 * </pre>
 *
 * <p>The positions of <em>published</em> records (those the log's readers may see) are kept in memory and
 * change only under the {@link LogView}'s write lock; the writer thread alone writes to the file, always past
 * the published end. Reads use their own channel, reopened if a reader's interrupt closed it (NIO closes a
 * channel when a thread blocked in it is interrupted), so that one interrupted reader cannot break the log.
 *
 * <p>Both channels are open from the moment the segment exists until it is deleted or the log closed — a new
 * segment gets them from the {@link SegmentPreallocator}'s spare, opened ahead of time — so that appending,
 * truncating and reading never need a new file descriptor: two per segment, for a process that may run out of
 * descriptors for reasons of its own (a flood of client connections).
 */
final class Segment implements AutoCloseable {

    static final int HEADER_BYTES = 20;
    static final String SUFFIX = ".log";
    private static final int MAGIC = 0x4B4C4F47;
    private static final int VERSION = 1;
    /** Bound on one read's buffer, so that reading a long range does not allocate it all at once. */
    private static final int MAX_READ_CHUNK = 4 << 20;

    final Path file;
    final long firstIndex;

    private final Disk disk;
    private final Object readChannelLock = new Object();
    private FileChannel readChannel;
    /** Writer thread only; reopened only after a disk error ({@link #reopenForWriting}) or an interrupt. */
    private FileChannel writeChannel;

    // Published state, guarded by the LogView lock.
    private int[] positions;
    private int count;
    private long publishedEnd;

    /** Writer thread only: where the next record goes. */
    long writeEnd;

    private Segment(Disk disk, Path file, long firstIndex, FileChannel writeChannel, FileChannel readChannel,
                    int[] positions, int count, long end) {
        this.disk = disk;
        this.writeChannel = writeChannel;
        this.readChannel = readChannel;
        this.file = file;
        this.firstIndex = firstIndex;
        this.positions = positions;
        this.count = count;
        this.publishedEnd = end;
        this.writeEnd = end;
    }

    static String fileName(long firstIndex) {
        return String.format("%020d%s", firstIndex, SUFFIX);
    }

    /** The first index a segment file name stands for, or -1 when it is not a segment's name. */
    static long parseFileName(String name) {
        if (name.length() != 20 + SUFFIX.length() || !name.endsWith(SUFFIX)) {
            return -1;
        }
        for (int i = 0; i < 20; i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(name.substring(0, 20));
    }

    /**
     * Creates an empty segment crash-safely: the header is written and forced under a temporary name, renamed
     * into place and the directory forced, so a segment file that exists always has a whole header.
     */
    static Segment create(Disk disk, DirectoryHandle directory, long firstIndex) throws IOException {
        Path temp = directory.path().resolve(fileName(firstIndex) + ".tmp");
        disk.delete(temp);
        FileChannel channel = disk.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileChannel reader = null;
        try {
            reader = disk.open(temp, StandardOpenOption.READ);
            return createFrom(disk, directory, firstIndex, temp, channel, reader);
        } catch (IOException | RuntimeException e) {
            channel.close();
            if (reader != null) {
                reader.close();
            }
            throw e;
        }
    }

    /**
     * Creates a segment from a preallocated spare file (zeros, already forced): the header is written over its
     * first bytes and forced, then it is renamed into place as {@link #create} does. The zeros after the header
     * read as the end of the segment (see {@link SegmentScanner}).
     */
    static Segment createFromSpare(Disk disk, DirectoryHandle directory, long firstIndex,
                                   SegmentPreallocator.Spare spare) throws IOException {
        try {
            return createFrom(disk, directory, firstIndex, spare.file(), spare.writeChannel(), spare.readChannel());
        } catch (IOException | RuntimeException e) {
            spare.close();
            throw e;
        }
    }

    /** Writes the header through {@code channel}, renames {@code temp} into place; opens no file. */
    private static Segment createFrom(Disk disk, DirectoryHandle directory, long firstIndex, Path temp,
                                      FileChannel channel, FileChannel reader) throws IOException {
        Path file = directory.path().resolve(fileName(firstIndex));
        disk.write(channel, temp, header(firstIndex), 0);
        disk.force(channel, temp);
        disk.rename(temp, file);
        directory.force();
        // Renaming keeps the open files: both channels now read and write the segment.
        return new Segment(disk, file, firstIndex, channel, reader, new int[64], 0, HEADER_BYTES);
    }

    /**
     * A segment recovered on open, holding records at {@code positions[0..count)} and ending at {@code end};
     * it takes {@code writeChannel} (open for reading and writing) and opens its read channel.
     */
    static Segment recovered(Disk disk, Path file, long firstIndex, FileChannel writeChannel, int[] positions,
                             int count, long end) throws IOException {
        FileChannel reader = disk.open(file, StandardOpenOption.READ);
        return new Segment(disk, file, firstIndex, writeChannel, reader,
                positions.length == 0 ? new int[64] : positions, count, end);
    }

    static ByteBuffer header(long firstIndex) {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
        header.putInt(MAGIC).putInt(VERSION).putLong(firstIndex);
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, 16);
        header.putInt((int) crc.getValue());
        return header.flip();
    }

    /** Null when {@code header} (20 bytes) is this segment's valid header, else what is wrong with it. */
    static String checkHeader(ByteBuffer header, long expectedFirstIndex) {
        if (header.getInt(0) != MAGIC) {
            return "not a Keel log segment (bad magic number)";
        }
        CRC32C crc = new CRC32C();
        crc.update(header.duplicate().position(0).limit(16));
        if (header.getInt(16) != (int) crc.getValue()) {
            return "segment header checksum mismatch";
        }
        if (header.getInt(4) != VERSION) {
            return "unsupported segment format version " + header.getInt(4);
        }
        if (header.getLong(8) != expectedFirstIndex) {
            return "header names first index " + header.getLong(8) + " but the file name says " + expectedFirstIndex;
        }
        return null;
    }

    // ---- published state (callers hold the LogView lock) ----

    /** Last published index; {@code firstIndex - 1} when the segment holds no record. */
    long lastIndex() {
        return firstIndex + count - 1;
    }

    boolean isEmpty() {
        return count == 0;
    }

    long publishedEnd() {
        return publishedEnd;
    }

    /** Byte position of the record of {@code index}, or the published end for {@code lastIndex() + 1}. */
    long position(long index) {
        int i = (int) (index - firstIndex);
        return i == count ? publishedEnd : positions[i];
    }

    /** Publishes the next record, written at {@code position} and ending at {@code end}. */
    void publish(long position, long end) {
        if (count == positions.length) {
            positions = Arrays.copyOf(positions, count * 2);
        }
        positions[count++] = (int) position;
        publishedEnd = end;
    }

    /** Unpublishes every record from {@code index} on (the file itself is truncated by the writer). */
    void unpublishFrom(long index) {
        if (index <= lastIndex()) {
            publishedEnd = position(index);
            count = (int) (index - firstIndex);
        }
    }

    /**
     * Reads entries from {@code from} (inclusive, at least one when {@code atLeastOne}) towards {@code to}
     * (exclusive, at most {@code lastIndex() + 1}), stopping before their sizes would pass {@code budget}.
     * Sizes are known from the positions, so only the bytes returned are read.
     */
    List<LogEntry> read(long from, long to, long budget, boolean atLeastOne) {
        List<LogEntry> out = new ArrayList<>();
        long spent = 0;
        long index = from;
        CRC32C crc = new CRC32C();
        while (index < to) {
            // Find how many whole records fit the budget and one read chunk.
            long start = position(index);
            long stop = index;
            while (stop < to) {
                long size = position(stop + 1) - position(stop);
                long entryBytes = RecordFormat.entryBytes(size);
                boolean first = out.isEmpty() && stop == index && atLeastOne;
                if (!first && (spent + entryBytes > budget || (stop > index && position(stop + 1) - start > MAX_READ_CHUNK))) {
                    break;
                }
                spent += entryBytes;
                stop++;
            }
            if (stop == index) {
                break;
            }
            ByteBuffer chunk = readFully(start, (int) (position(stop) - start));
            for (long i = index; i < stop; i++) {
                int at = (int) (position(i) - start);
                out.add(decodeChecked(chunk, at, i, crc));
            }
            index = stop;
        }
        return out;
    }

    private LogEntry decodeChecked(ByteBuffer chunk, int at, long expectedIndex, CRC32C crc) {
        int length = chunk.getInt(at + RecordFormat.LENGTH_OFFSET);
        String problem = null;
        if (length < 0 || at + RecordFormat.HEADER_BYTES + (long) length > chunk.limit()) {
            problem = "record length " + length + " does not match the index";
        } else if (!RecordFormat.checksumMatches(chunk, at, length, crc)) {
            problem = "checksum mismatch on read";
        } else if (chunk.getLong(at + RecordFormat.INDEX_OFFSET) != expectedIndex) {
            problem = "record holds index " + chunk.getLong(at + RecordFormat.INDEX_OFFSET);
        } else if (RecordFormat.type(chunk.get(at + RecordFormat.TYPE_OFFSET)) == null) {
            problem = "unknown entry type " + chunk.get(at + RecordFormat.TYPE_OFFSET);
        }
        if (problem != null) {
            throw new StorageCorruptedException(file, position(expectedIndex), expectedIndex, problem);
        }
        return RecordFormat.decode(chunk, at);
    }

    private ByteBuffer readFully(long position, int length) {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        try {
            FileChannel channel = readChannel();
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer, position + buffer.position());
                if (n < 0) {
                    throw new StorageCorruptedException(file, position + buffer.position(), -1,
                            "file ends before its last indexed record");
                }
            }
        } catch (ClosedByInterruptException e) {
            throw new StorageException("interrupted while reading " + file + "; the interrupt status is set", e);
        } catch (IOException e) {
            throw new StorageException("cannot read " + file + " at byte offset " + position + ": " + e, e);
        }
        return buffer.flip();
    }

    private FileChannel readChannel() throws IOException {
        synchronized (readChannelLock) {
            if (readChannel == null || !readChannel.isOpen()) {
                readChannel = disk.open(file, StandardOpenOption.READ); // after an interrupt closed it
            }
            return readChannel;
        }
    }

    // ---- writer thread ----

    FileChannel writeChannel() throws IOException {
        if (writeChannel == null || !writeChannel.isOpen()) {
            writeChannel = disk.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        return writeChannel;
    }

    /**
     * Replaces the write channel with a fresh descriptor, so that no error state of a failed write or force is
     * left over on it (after a disk error only).
     */
    void reopenForWriting() throws IOException {
        closeWriteChannel();
        writeChannel();
    }

    private void closeWriteChannel() throws IOException {
        if (writeChannel != null) {
            writeChannel.close();
            writeChannel = null;
        }
    }

    @Override
    public void close() {
        try {
            closeWriteChannel();
        } catch (IOException ignored) {
            // closing: nothing more to do with this file
        }
        synchronized (readChannelLock) {
            if (readChannel != null) {
                try {
                    readChannel.close();
                } catch (IOException ignored) {
                    // as above
                }
            }
        }
    }

    @Override
    public String toString() {
        return file.getFileName().toString();
    }
}
