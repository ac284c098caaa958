package io.keelraft.core.spi;

import io.keelraft.core.StorageCorruptedException;
import io.keelraft.core.SnapshotMeta;
import java.util.Optional;

/**
 * A server's durable snapshots (thesis chapter 5). A snapshot is written once, through a {@link SnapshotSink},
 * and becomes visible only when {@link SnapshotSink#commit()} has made it durable and complete: a crash at any
 * moment leaves either the old snapshots or the old ones plus the new complete one, never a torn snapshot.
 *
 * <p>The store keeps the newest {@code retain} complete snapshots and never deletes the newest complete one.
 * Methods may block on the disk: the runtime calls them from its snapshot thread, never from the raft loop.
 */
public interface SnapshotStore extends AutoCloseable {

    /**
     * The newest complete snapshot whose metadata and data verify against their checksums. A damaged newer
     * snapshot is skipped (and reported in the log with the file and the problem) in favour of an older
     * complete one.
     *
     * @return empty when the store holds no usable snapshot
     * @throws StorageCorruptedException when snapshots exist but none of them verifies
     */
    Optional<SnapshotFile> latest();

    /** Starts writing a snapshot this server took of its own state machine. */
    SnapshotSink create(SnapshotMeta meta);

    /**
     * Starts, or resumes, receiving a leader's snapshot of {@code size} bytes whose CRC32C is {@code crc32c}.
     * When an earlier, unfinished transfer of the same snapshot (same metadata, size and checksum) is still
     * held — the connection dropped, or another leader sends the same snapshot — the sink continues at its
     * {@link SnapshotSink#position()}; otherwise it starts at 0. Committing verifies the whole checksum.
     */
    SnapshotSink receive(SnapshotMeta meta, long size, int crc32c);

    /** Releases the store's files and its directory lock. */
    @Override
    void close();
}
