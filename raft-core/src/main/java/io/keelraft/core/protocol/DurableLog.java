package io.keelraft.core.protocol;

import java.util.List;

/**
 * Read access to the entries this server has made durable. The protocol overlays its own not-yet-durable
 * entries on top of this view; it never writes through it (writes leave the protocol in {@link Ready}).
 *
 * <p>The log begins after a snapshot base ({@link #snapshotIndex()}, {@link #snapshotTerm()}): entries at or
 * below the base have been compacted away and are covered by a snapshot.
 */
public interface DurableLog {

    /** Index of the last entry covered by the snapshot the log starts after; 0 when there is none. */
    long snapshotIndex();

    /** Term of the entry at {@link #snapshotIndex()}; 0 when there is none. */
    long snapshotTerm();

    /** Index of the last durable entry, or {@link #snapshotIndex()} when the log is empty. */
    long lastIndex();

    /**
     * Term of the entry at {@code index}, for {@code snapshotIndex() <= index <= lastIndex()}.
     *
     * @throws IndexOutOfBoundsException outside that range
     */
    long term(long index);

    /**
     * Entries from {@code fromIndex} (inclusive) to {@code toIndex} (exclusive), stopping early once the next
     * entry would take the total past {@code maxBytes}; at least one entry is returned when the range is not
     * empty. Requires {@code snapshotIndex() < fromIndex <= toIndex <= lastIndex() + 1}.
     */
    List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes);

    /**
     * True when {@link #entries} from {@code fromIndex} would be served from memory, without disk I/O. A leader's
     * raft loop reads only such entries itself; older ones, for a lagging follower, are fetched on another thread
     * ({@code Ready#entriesToFetch}). The default, true, suits stores that keep every entry in memory.
     */
    default boolean inMemory(long fromIndex) {
        return true;
    }
}
