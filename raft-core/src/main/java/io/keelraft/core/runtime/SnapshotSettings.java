package io.keelraft.core.runtime;

/**
 * When a server snapshots and how it compacts and ships snapshots; built by {@code RaftNode} from its options.
 *
 * @param logBytes       snapshot once the entries applied since the last snapshot add up to this many bytes
 * @param logEntries     snapshot once this many entries were applied since the last snapshot (0: no limit)
 * @param trailingEntries entries kept below a snapshot's index when the log is compacted
 * @param chunkBytes     size of one InstallSnapshot chunk
 * @param retryTicks     ticks to wait after a failed snapshot before trying again
 */
public record SnapshotSettings(long logBytes, long logEntries, long trailingEntries, int chunkBytes, int retryTicks) {

    /** The defaults of {@code RaftOptions}. */
    public static final SnapshotSettings DEFAULTS = new SnapshotSettings(64L << 20, 0, 4096, 1 << 20, 50);

    public SnapshotSettings {
        if (logBytes <= 0 || logEntries < 0 || trailingEntries < 0 || chunkBytes <= 0 || retryTicks <= 0) {
            throw new IllegalArgumentException("bad snapshot settings: logBytes " + logBytes + ", logEntries "
                    + logEntries + ", trailingEntries " + trailingEntries + ", chunkBytes " + chunkBytes
                    + ", retryTicks " + retryTicks);
        }
    }
}
