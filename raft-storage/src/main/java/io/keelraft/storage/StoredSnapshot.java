package io.keelraft.storage;

import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.spi.SnapshotFile;
import io.keelraft.core.StorageCorruptedException;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A complete snapshot in a {@link FileSnapshotStore}: its metadata, checked against its checksum, and its
 * data file, whose size and CRC32C the metadata records.
 *
 * <p>Reads open the data file each time, so holding a {@code StoredSnapshot} holds no file handle. Once the
 * store's retention has deleted the snapshot, reads fail with an {@link IOException} (a sender then starts
 * over from {@link FileSnapshotStore#latest()}).
 *
 * @param meta      what the snapshot covers
 * @param directory the snapshot's directory
 * @param size      size of the data file
 * @param crc32c    CRC32C of the data file
 */
public record StoredSnapshot(SnapshotMeta meta, Path directory, long size, int crc32c) implements SnapshotFile {

    static final String DATA_FILE = "data";

    /** The data file. */
    public Path dataFile() {
        return directory.resolve(DATA_FILE);
    }

    /** Streams the data (buffered); the stream checks size and CRC32C when it reaches the end. */
    @Override
    public InputStream open() throws IOException {
        return new Checked(new BufferedInputStream(Files.newInputStream(dataFile()), 64 << 10));
    }

    @Override
    public int read(long position, ByteBuffer dst) throws IOException {
        if (position < 0) {
            throw new IllegalArgumentException("negative position " + position);
        }
        if (position >= size) {
            return -1;
        }
        int limit = dst.limit();
        if (dst.remaining() > size - position) {
            dst.limit(dst.position() + (int) (size - position)); // never past the recorded size
        }
        try (FileChannel channel = FileChannel.open(dataFile(), StandardOpenOption.READ)) {
            int total = 0;
            while (dst.hasRemaining()) {
                int n = channel.read(dst, position + total);
                if (n < 0) {
                    throw new StorageCorruptedException(dataFile(), position + total, "snapshot data file ends before"
                            + " the " + size + " bytes its metadata records");
                }
                total += n;
            }
            return total;
        } finally {
            dst.limit(limit);
        }
    }

    /** Counts and checksums what passes through; compares both with the metadata at the end of the data. */
    private final class Checked extends FilterInputStream {
        private final CRC32C crc = new CRC32C();
        private long count;
        private boolean checked;

        Checked(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b < 0) {
                checkEnd();
            } else {
                crc.update(b);
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n < 0) {
                checkEnd();
            } else {
                crc.update(b, off, n);
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] sink = new byte[8192]; // skipped bytes must still be checksummed
            long skipped = 0;
            while (skipped < n) {
                int r = read(sink, 0, (int) Math.min(sink.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        private void checkEnd() {
            if (checked) {
                return;
            }
            checked = true;
            if (count != size) {
                throw new StorageCorruptedException(dataFile(), count, "snapshot data is " + count
                        + " bytes but its metadata records " + size);
            }
            if ((int) crc.getValue() != crc32c) {
                throw new StorageCorruptedException(dataFile(), 0, String.format("snapshot data checksum mismatch"
                        + " (metadata %08x, data %08x)", crc32c, (int) crc.getValue()));
            }
        }
    }
}
