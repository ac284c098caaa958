package io.keelraft.storage;

import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.spi.SnapshotSink;
import io.keelraft.core.StorageCorruptedException;
import io.keelraft.core.StorageException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A snapshot being written into a directory of a {@link FileSnapshotStore} that {@link FileSnapshotStore#latest()}
 * does not look at: {@code tmp-…} for a snapshot of this server's own state machine, {@code recv-…} for one
 * received from the leader. Write the data through {@link #stream()}, then {@link #commit()} — or
 * {@link #close()} without committing to abandon it (a received snapshot's data is kept for a resume).
 *
 * <p>One thread writes a sink. A failed write (a full disk, say) fails the sink: later writes and
 * {@link #commit()} fail too, and the snapshots already in the store are untouched.
 */
public final class SnapshotWriter implements SnapshotSink {

    private final FileSnapshotStore store;
    private final SnapshotMeta meta;
    private final Path directory;
    private final Path file;
    private final Disk disk;
    private final FileChannel channel;
    private final CRC32C crc;
    /** The transfer this sink continues, or null for a snapshot of our own state. */
    private final FileSnapshotStore.Partial partial;
    private final OutputStream stream = new DataStream();
    private long position;
    private IOException failure;
    private boolean finished;

    /** A snapshot of our own state, from byte 0. */
    SnapshotWriter(FileSnapshotStore store, SnapshotMeta meta, Path directory, Disk disk) throws IOException {
        this.store = store;
        this.meta = meta;
        this.directory = directory;
        this.file = directory.resolve(StoredSnapshot.DATA_FILE);
        this.disk = disk;
        this.channel = disk.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        this.crc = new CRC32C();
        this.partial = null;
    }

    /** A received snapshot, continuing {@code partial} at its position. */
    SnapshotWriter(FileSnapshotStore store, FileSnapshotStore.Partial partial, Disk disk) throws IOException {
        this.store = store;
        this.meta = partial.meta;
        this.directory = partial.directory;
        this.file = directory.resolve(StoredSnapshot.DATA_FILE);
        this.disk = disk;
        this.channel = disk.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            if (channel.size() > partial.position) {
                // Bytes of a write that failed half-way: not in the running checksum, so not ours.
                disk.truncate(channel, file, partial.position);
            }
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        this.crc = partial.crc;
        this.partial = partial;
        this.position = partial.position;
    }

    @Override
    public SnapshotMeta meta() {
        return meta;
    }

    @Override
    public long position() {
        return position;
    }

    /** Appends at {@link #position()}; unbuffered (one positional write per call), so wrap it in a buffer. */
    @Override
    public OutputStream stream() {
        return stream;
    }

    Path directory() {
        return directory;
    }

    private void write(byte[] b, int off, int len) throws IOException {
        if (finished) {
            throw new IOException("snapshot " + describe() + " was already committed or abandoned");
        }
        if (failure != null) {
            throw new IOException("an earlier write of snapshot " + describe() + " failed: " + failure.getMessage(),
                    failure);
        }
        if (partial != null) {
            if (partial.owner != this) {
                throw new IOException("snapshot " + describe() + " is being received by a later sink");
            }
            if (position + len > partial.size) {
                throw new IOException("received snapshot " + describe() + " would exceed its announced size of "
                        + partial.size + " bytes (at " + position + ", writing " + len + ")");
            }
        }
        try {
            disk.write(channel, file, ByteBuffer.wrap(b, off, len), position);
        } catch (IOException e) {
            failure = e;
            throw new IOException("cannot write snapshot " + describe() + " to " + file + " at byte " + position
                    + ": " + e.getMessage() + " (the store's older snapshots are untouched)", e);
        }
        crc.update(b, off, len);
        position += len;
        if (partial != null) {
            partial.position = position;
        }
    }

    /**
     * Forces the data, writes the checksummed metadata and renames the snapshot into place (forcing the
     * directories), then deletes the snapshots past the store's retention.
     *
     * @return the snapshot, now the latest (unless the store holds a newer one)
     * @throws StorageCorruptedException when a received snapshot's size or CRC32C is not the announced one (its
     *                                   data is discarded)
     * @throws StorageException          when a write failed earlier or the disk fails now (the snapshot is
     *                                   abandoned; older ones are untouched)
     */
    @Override
    public StoredSnapshot commit() {
        if (finished) {
            throw new IllegalStateException("snapshot " + describe() + " already committed or abandoned");
        }
        finished = true;
        if (partial != null && partial.owner != this) {
            closeChannel(); // the data belongs to the later sink now: leave it alone
            throw new StorageException("received snapshot " + describe() + " is being received by a later sink;"
                    + " this one cannot commit it");
        }
        if (failure != null) {
            discard();
            throw new StorageException("cannot complete snapshot " + describe() + " in " + directory
                    + ": writing its data failed: " + failure.getMessage(), failure);
        }
        int value = (int) crc.getValue();
        if (partial != null && (position != partial.size || value != partial.crc32c)) {
            discard();
            throw new StorageCorruptedException(file, position, String.format("received snapshot %s is %d bytes"
                    + " with CRC32C %08x but the leader announced %d bytes with CRC32C %08x; its data is discarded",
                    describe(), position, value, partial.size, partial.crc32c));
        }
        try {
            disk.force(channel, file);
            channel.close();
            SnapshotMetaFile.write(disk, directory, meta, position, value);
            return store.install(this, partial, position, value);
        } catch (IOException | RuntimeException e) {
            discard();
            throw e instanceof StorageException se ? se : new StorageException("cannot complete snapshot "
                    + describe() + " in " + directory + ": " + e.getMessage(), e);
        }
    }

    private void discard() {
        closeChannel();
        if (partial != null) {
            store.discard(partial, this);
        } else {
            store.abandon(directory);
        }
    }

    /** Abandons the snapshot unless it was committed; a received snapshot's data stays for a resume. */
    @Override
    public void close() {
        if (!finished) {
            finished = true;
            closeChannel();
            if (partial != null) {
                store.release(partial, this);
            } else {
                store.abandon(directory);
            }
        }
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing was lost that a commit still needed
        }
    }

    private String describe() {
        return meta.index() + "@" + meta.term();
    }

    private final class DataStream extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            SnapshotWriter.this.write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (len > 0) {
                SnapshotWriter.this.write(b, off, len);
            }
        }
    }
}
