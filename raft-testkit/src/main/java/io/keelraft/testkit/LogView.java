package io.keelraft.testkit;

/**
 * The part of a server's log the checkers look at: its length, the term at each index, and where it starts —
 * entries at or below {@link #snapshotIndex()} are compacted into a snapshot, known only by the
 * {@link HistoryHash} of the prefix they formed.
 */
interface LogView {

    /** Index of the last entry (durable or not); 0 for an empty log. */
    long lastIndex();

    /** Term of the entry at {@code index}, for {@code snapshotIndex() <= index <= lastIndex()}; 0 at index 0. */
    long term(long index);

    /** The index the log starts after; 0 when nothing is compacted. */
    default long snapshotIndex() {
        return 0;
    }

    /** {@link HistoryHash} of the compacted prefix 1..snapshotIndex(). */
    default long snapshotHash() {
        return HistoryHash.EMPTY;
    }
}
