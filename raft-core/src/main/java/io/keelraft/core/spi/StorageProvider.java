package io.keelraft.core.spi;

import java.nio.file.Path;

/**
 * Opens file-backed stores for a data directory. Found with {@link java.util.ServiceLoader}: adding the
 * {@code raft-storage} module to the classpath is what makes {@code RaftNode.Builder.dataDirectory} work.
 */
public interface StorageProvider {

    /** Opens (creating if needed) the log in {@code directory}. */
    LogStore openLog(Path directory);

    /** Opens (creating if needed) the term/vote store in {@code directory}. */
    MetaStore openMeta(Path directory);

    /**
     * Opens (creating if needed) the snapshot store in {@code directory}, keeping the newest {@code retain}
     * complete snapshots (at least 1).
     */
    SnapshotStore openSnapshots(Path directory, int retain);
}
