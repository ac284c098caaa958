package io.keelraft.storage;

import io.keelraft.core.spi.StorageException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A snapshot being written into a temporary directory of a {@link FileSnapshotStore}. Write the state
 * machine's bytes to {@link #data()}, then {@link #commit()} — or {@link #close()} without committing to
 * abandon it. Nothing is visible to {@link FileSnapshotStore#latest()} before {@code commit} returns.
 */
public final class SnapshotWriter implements AutoCloseable {

    private final FileSnapshotStore store;
    private final SnapshotMetadata metadata;
    private final Path directory;
    private final Disk disk;
    private final FileChannel channel;
    private final CRC32C crc = new CRC32C();
    private final OutputStream data;
    private long bytes;
    private boolean finished;

    SnapshotWriter(FileSnapshotStore store, SnapshotMetadata metadata, Path directory, Disk disk) throws IOException {
        this.store = store;
        this.metadata = metadata;
        this.directory = directory;
        this.disk = disk;
        Path file = directory.resolve(FileSnapshotStore.DATA_FILE);
        this.channel = disk.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        OutputStream raw = Channels.newOutputStream(channel);
        this.data = new FilterOutputStream(raw) {
            @Override
            public void write(int b) throws IOException {
                crc.update(b);
                bytes++;
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                crc.update(b, off, len);
                bytes += len;
                out.write(b, off, len);
            }

            @Override
            public void close() {
                // the writer closes the file on commit or abort
            }
        };
    }

    public SnapshotMetadata metadata() {
        return metadata;
    }

    /** Where the state machine writes its snapshot; unbuffered, so wrap it in a BufferedOutputStream. */
    public OutputStream data() {
        return data;
    }

    /**
     * Forces the data, writes the checksummed metadata, and renames the snapshot into place (forcing the
     * directories), then deletes the snapshots past the store's retention.
     *
     * @return the snapshot, now the latest
     */
    public StoredSnapshot commit() {
        if (finished) {
            throw new IllegalStateException("snapshot already committed or abandoned");
        }
        finished = true;
        try {
            disk.force(channel, directory.resolve(FileSnapshotStore.DATA_FILE));
            channel.close();
            ByteBuffer meta = ByteBuffer.allocate(32 + metadata.configuration().length);
            meta.putLong(metadata.lastIncludedIndex()).putLong(metadata.lastIncludedTerm())
                    .putLong(bytes).putInt((int) crc.getValue())
                    .putInt(metadata.configuration().length).put(metadata.configuration());
            new AtomicFile(disk, directory.resolve(FileSnapshotStore.META_FILE), FileSnapshotStore.META_MAGIC,
                    "snapshot metadata file").write(meta.array());
            return store.install(this, bytes, (int) crc.getValue());
        } catch (IOException e) {
            store.abandon(directory);
            throw new StorageException("cannot complete snapshot " + metadata + " in " + directory + ": " + e, e);
        }
    }

    Path directory() {
        return directory;
    }

    /** Abandons the snapshot unless it was committed. */
    @Override
    public void close() {
        if (!finished) {
            finished = true;
            try {
                channel.close();
            } catch (IOException ignored) {
                // the directory is deleted next
            }
            store.abandon(directory);
        }
    }
}
