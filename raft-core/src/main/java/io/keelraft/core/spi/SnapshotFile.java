package io.keelraft.core.spi;

import io.keelraft.core.StorageCorruptedException;
import io.keelraft.core.SnapshotMeta;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/** A complete, durable snapshot in a {@link SnapshotStore}. Reads may block on the disk. */
public interface SnapshotFile {

    /** What the snapshot covers. */
    SnapshotMeta meta();

    /** Size of the snapshot's data in bytes. */
    long size();

    /** CRC32C of the whole data, checked end to end when a follower installs it. */
    int crc32c();

    /**
     * Streams the data from the start; the stream fails with a {@link StorageCorruptedException} at its end
     * when the bytes read do not match {@link #crc32c()}.
     */
    InputStream open() throws IOException;

    /**
     * Reads up to {@code dst.remaining()} bytes starting at {@code position} (for sending chunks).
     *
     * @return the number of bytes read, or -1 at the end of the data
     */
    int read(long position, ByteBuffer dst) throws IOException;
}
