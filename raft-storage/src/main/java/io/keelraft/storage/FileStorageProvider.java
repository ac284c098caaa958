package io.keelraft.storage;

import io.keelraft.core.spi.LogStore;
import io.keelraft.core.spi.MetaStore;
import io.keelraft.core.spi.StorageProvider;
import java.nio.file.Path;

/**
 * The file storage as a {@link StorageProvider}: registered in {@code META-INF/services}, so that
 * {@code RaftNode.builder().dataDirectory(dir)} keeps the log in {@code dir/log} ({@link SegmentedLog}, default
 * options: fsync on), currentTerm/votedFor in {@code dir/meta} ({@link FileMetaStore}) and snapshots in
 * {@code dir/snapshots} ({@link FileSnapshotStore}). Each store locks its
 * own directory, so a second server pointed at the same data directory fails with a clear error.
 */
public final class FileStorageProvider implements StorageProvider {

    /** The log's directory inside a data directory. */
    public static final String LOG_DIRECTORY = "log";
    /** The term/vote store's directory inside a data directory. */
    public static final String META_DIRECTORY = "meta";
    /** The snapshot store's directory inside a data directory. */
    public static final String SNAPSHOT_DIRECTORY = "snapshots";

    /** For {@link java.util.ServiceLoader}. */
    public FileStorageProvider() {
    }

    @Override
    public SegmentedLog openLog(Path dataDirectory) {
        return SegmentedLog.open(dataDirectory.resolve(LOG_DIRECTORY));
    }

    @Override
    public FileMetaStore openMeta(Path dataDirectory) {
        return FileMetaStore.open(dataDirectory.resolve(META_DIRECTORY));
    }

    @Override
    public FileSnapshotStore openSnapshots(Path dataDirectory, int retain) {
        return FileSnapshotStore.open(dataDirectory.resolve(SNAPSHOT_DIRECTORY), retain);
    }
}
