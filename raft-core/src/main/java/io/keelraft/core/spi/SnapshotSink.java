package io.keelraft.core.spi;

import io.keelraft.core.StorageCorruptedException;
import io.keelraft.core.SnapshotMeta;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A snapshot being written. Write the data through {@link #stream()}, then {@link #commit()}; {@link #close()}
 * without committing abandons it (a received snapshot's partial data may be kept for
 * {@link SnapshotStore#receive} to resume, until the process stops). Nothing is visible to
 * {@link SnapshotStore#latest()} before {@code commit} returns.
 */
public interface SnapshotSink extends AutoCloseable {

    /** What the snapshot covers. */
    SnapshotMeta meta();

    /** Bytes already written (more than 0 when a received snapshot resumes an earlier transfer). */
    long position();

    /** Appends to the data at {@link #position()}; unbuffered. */
    OutputStream stream();

    /**
     * Forces the data, records the metadata and checksum, and moves the snapshot into place durably; then
     * deletes complete snapshots beyond the store's retention (never the newest).
     *
     * @throws StorageCorruptedException when a received snapshot's data does not match the expected size or
     *                                   checksum (the sink's data is discarded)
     */
    SnapshotFile commit() throws IOException;

    /** Abandons the snapshot unless it was committed. */
    @Override
    void close();
}
