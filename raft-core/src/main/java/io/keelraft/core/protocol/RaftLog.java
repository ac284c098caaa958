package io.keelraft.core.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * The protocol's view of its log: the durable entries (read through {@link DurableLog}) overlaid with the
 * entries not yet durable, held here until the driver reports them persisted. Also tracks commitIndex and how
 * far entries have been handed out for persistence and for application.
 *
 * <p>Invariants: unstable entries are contiguous and start at {@code unstableOffset}; every entry at an index
 * below {@code unstableOffset} is read from the durable log; entries at or below {@code commitIndex} are never
 * truncated (paper §5.4: committed entries are durable on a majority and present in every future leader's log).
 */
final class RaftLog {

    private final DurableLog durable;
    private final List<LogEntry> unstable = new ArrayList<>();
    private long unstableOffset;
    /** Highest index handed to the driver for persistence. */
    private long handedToPersist;
    /** Highest index known durable and matching this log (the leader counts itself in quorums only up to here). */
    private long durableIndex;
    private long commitIndex;
    /** Highest index handed to the driver for application. */
    private long handedToApply;
    /**
     * While committed entries to apply are being read off the loop (they were on disk only, e.g. after a restart):
     * the first index asked for, else 0. Nothing further is handed out for application until they arrive, so entries
     * are applied in order.
     */
    private long applyReadFrom;
    /** True until the read of {@code applyReadFrom} has been handed to the driver (a Ready's entriesToFetch). */
    private boolean applyReadToIssue;
    /** What that read returned, handed out for application next. */
    private List<LogEntry> readForApply = List.of();
    /** A read for application failed: the next one runs on the loop, where an error stops the server (fail-stop). */
    private boolean applyReadFailed;
    /**
     * A snapshot this server is installing (thesis §5.3): until the durable log has been compacted past it, the
     * log starts after (restoredIndex, restoredTerm) and nothing durable is read (the old log is being discarded).
     */
    private long restoredIndex = -1;
    private long restoredTerm;

    RaftLog(DurableLog durable, long appliedIndex) {
        this.durable = durable;
        long last = durable.lastIndex();
        if (appliedIndex > last) { // the log's last index is at least its snapshot index (DurableLog)
            throw new IllegalArgumentException("appliedIndex " + appliedIndex + " is beyond the log's last index " + last);
        }
        long base = Math.max(appliedIndex, durable.snapshotIndex());
        this.unstableOffset = last + 1;
        this.handedToPersist = last;
        this.durableIndex = last;
        this.commitIndex = base;
        this.handedToApply = base;
    }

    /** True while an installed snapshot hides the durable log (until the driver has compacted it). */
    private boolean restoring() {
        if (durable.snapshotIndex() >= restoredIndex) { // never below -1: a no-op when not restoring
            restoredIndex = -1; // the driver compacted: the durable log starts at the snapshot now
        }
        return restoredIndex >= 0;
    }

    /** The index the log starts after: entries at or below it are compacted into a snapshot. */
    long snapshotIndex() {
        return restoring() ? restoredIndex : durable.snapshotIndex();
    }

    long firstIndex() {
        return snapshotIndex() + 1;
    }

    private long durableLastIndex() {
        return restoring() ? restoredIndex : durable.lastIndex();
    }

    long lastIndex() {
        return unstable.isEmpty() ? durableLastIndex() : unstableOffset + unstable.size() - 1;
    }

    long lastTerm() {
        return term(lastIndex());
    }

    long commitIndex() {
        return commitIndex;
    }

    long durableIndex() {
        return durableIndex;
    }

    /** True when {@code term(index)} can be answered. */
    boolean hasTerm(long index) {
        return index >= snapshotIndex() && index <= lastIndex();
    }

    /** Term of the entry at {@code index}, for {@code snapshotIndex() <= index <= lastIndex()}. */
    long term(long index) {
        if (!unstable.isEmpty() && index >= unstableOffset) {
            if (index > lastIndex()) {
                throw new IndexOutOfBoundsException("index " + index + " beyond last index " + lastIndex());
            }
            return unstable.get((int) (index - unstableOffset)).term();
        }
        if (restoring()) {
            if (index != restoredIndex) {
                throw new IndexOutOfBoundsException("index " + index + " is not in the log after snapshot "
                        + restoredIndex);
            }
            return restoredTerm;
        }
        if (index == durable.snapshotIndex()) {
            return durable.snapshotTerm();
        }
        return durable.term(index);
    }

    /** True when this log holds an entry at {@code index} of {@code term} (paper §5.3 consistency check). */
    boolean matchTerm(long index, long term) {
        return hasTerm(index) && term(index) == term;
    }

    /** Paper §5.4.1: is a log ending at (lastLogTerm, lastLogIndex) at least as up-to-date as this one? */
    boolean isUpToDate(long lastLogIndex, long lastLogTerm) {
        long myTerm = lastTerm();
        return lastLogTerm > myTerm || (lastLogTerm == myTerm && lastLogIndex >= lastIndex());
    }

    /**
     * True when the entries from {@code from} on can be read without disk I/O: not yet durable (held here), or
     * in the durable log's memory ({@link DurableLog#inMemory}).
     */
    boolean inMemory(long from) {
        if (restoring() || from > durableLastIndex() || (!unstable.isEmpty() && from >= unstableOffset)) {
            return true; // while a snapshot is restored nothing durable is read at all
        }
        return durable.inMemory(from);
    }

    /** The last index a driver may read from the durable log (what an EntryFetch may ask for). */
    long lastDurableIndexToRead() {
        return unstable.isEmpty() ? durableLastIndex() : Math.min(durableLastIndex(), unstableOffset - 1);
    }

    /**
     * Entries in [from, to), at most {@code maxCount} of them and stopping before {@code maxBytes} is passed
     * (at least one entry when the range is not empty).
     */
    List<LogEntry> entries(long from, long to, int maxCount, long maxBytes) {
        to = Math.min(to, Math.min(lastIndex() + 1, from + maxCount));
        if (from >= to) {
            return List.of();
        }
        List<LogEntry> out = new ArrayList<>((int) (to - from));
        long bytes = 0;
        long durableEnd = unstable.isEmpty() ? to : Math.min(to, unstableOffset);
        if (from < durableEnd) {
            List<LogEntry> fromDisk = durable.entries(from, durableEnd, maxBytes);
            for (LogEntry e : fromDisk) {
                bytes += e.sizeInBytes();
            }
            out.addAll(fromDisk);
            if (out.size() < durableEnd - from) {
                return out; // the byte budget ran out inside the durable part
            }
        }
        for (long i = Math.max(from, durableEnd); i < to; i++) {
            LogEntry e = unstable.get((int) (i - unstableOffset));
            if (!out.isEmpty() && bytes + e.sizeInBytes() > maxBytes) {
                break;
            }
            bytes += e.sizeInBytes();
            out.add(e);
        }
        return out;
    }

    /** Leader: append new entries at the end. */
    /** Appends one entry (the leader's proposal: the hot path, without a list per command). */
    void append(LogEntry entry) {
        if (entry.index() != lastIndex() + 1) {
            throw new IllegalStateException("append at " + entry.index() + " does not follow last index "
                    + lastIndex());
        }
        if (unstable.isEmpty()) {
            unstableOffset = entry.index();
        }
        unstable.add(entry);
    }

    void append(List<LogEntry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        long first = entries.get(0).index();
        if (first != lastIndex() + 1) {
            throw new IllegalStateException("append at " + first + " does not follow last index " + lastIndex());
        }
        if (unstable.isEmpty()) {
            unstableOffset = first;
        }
        unstable.addAll(entries);
    }

    /**
     * Replaces the suffix starting at {@code entries[0].index()} with {@code entries}. Callers have already
     * skipped entries this log holds with the same term, so the first entry is a real conflict or new.
     */
    void truncateAndAppend(List<LogEntry> entries) {
        long first = entries.get(0).index();
        if (first <= commitIndex) {
            throw new IllegalStateException("refusing to truncate committed entry " + first + " (commitIndex "
                    + commitIndex + "): this would break State Machine Safety");
        }
        if (first > lastIndex() + 1) {
            throw new IllegalStateException("append at " + first + " leaves a gap after last index " + lastIndex());
        }
        if (!unstable.isEmpty() && first >= unstableOffset) {
            unstable.subList((int) (first - unstableOffset), unstable.size()).clear();
        } else {
            unstable.clear();
            unstableOffset = first;
        }
        unstable.addAll(entries);
        handedToPersist = Math.min(handedToPersist, first - 1);
        durableIndex = Math.min(durableIndex, first - 1);
    }

    /** Entries not yet handed out for persistence; marks them handed out. */
    List<LogEntry> takeEntriesToPersist() {
        long last = lastIndex();
        if (handedToPersist >= last) {
            return List.of();
        }
        // Entries below unstableOffset are in the durable log already. handedToPersist can be below it: after a
        // restore, a store that still held the snapshot's last entry keeps what follows it (LogStore.compactTo),
        // and this log reads those entries from it; the next append then starts past handedToPersist + 1.
        long from = Math.max(handedToPersist + 1, unstableOffset);
        List<LogEntry> out = List.copyOf(unstable.subList((int) (from - unstableOffset), unstable.size()));
        handedToPersist = last;
        return out;
    }

    /**
     * The driver's log store dropped every append not yet reported durable (a failed write): hand those entries
     * out again once it accepts appends. Entries below {@code unstableOffset} are in the durable log already.
     */
    void rewindPersistence() {
        handedToPersist = Math.max(durableIndex, unstableOffset - 1);
    }

    /** True while entries handed out for persistence are not all reported durable. */
    boolean hasWritesOutstanding() {
        return durableIndex < handedToPersist;
    }

    boolean hasEntriesToPersist() {
        return handedToPersist < lastIndex();
    }

    /**
     * The driver made entries through {@code index} durable, the last of which has {@code term}. Ignored when
     * this log has since replaced that entry (a later write will report the replacement).
     *
     * @return true when the durable index advanced
     */
    boolean persisted(long index, long term) {
        if (!matchTerm(index, term) || index <= durableIndex) {
            return false;
        }
        durableIndex = index;
        if (!unstable.isEmpty() && index >= unstableOffset) {
            unstable.subList(0, (int) (index - unstableOffset + 1)).clear();
            unstableOffset = index + 1;
        }
        return true;
    }

    /**
     * Replaces the whole log with a snapshot through {@code index} of {@code term} (paper Figure 13): the
     * entries are discarded, the snapshot's state counts as committed, applied and durable (its bytes are
     * durable before it is installed), and new entries follow it.
     */
    void restore(long index, long term) {
        if (index <= commitIndex) {
            throw new IllegalStateException("snapshot " + index + " is not beyond commitIndex " + commitIndex);
        }
        unstable.clear();
        unstableOffset = index + 1;
        restoredIndex = index;
        restoredTerm = term;
        handedToPersist = index;
        durableIndex = index;
        commitIndex = index;
        handedToApply = index;
        applyReadFrom = 0; // a read still under way is for entries the snapshot replaces: its result is ignored
        applyReadToIssue = false;
        readForApply = List.of();
    }

    /** Advances commitIndex (never backwards). */
    void commitTo(long index) {
        if (index > lastIndex()) {
            throw new IllegalStateException("commit " + index + " beyond last index " + lastIndex());
        }
        commitIndex = Math.max(commitIndex, index);
    }

    /** True when committed entries can be handed out for application now (none is being read off the loop). */
    boolean hasEntriesToApply() {
        return handedToApply < commitIndex && applyReadFrom == 0; // entries read for it are committed, not handed out
    }

    /**
     * Committed entries not yet handed out for application, up to {@code maxBytes}; marks them handed out. Entries
     * the durable log holds on disk only are not read here: a read off the loop is asked for instead
     * ({@link #takeApplyRead}) and nothing is handed out until {@link #readForApply} brings them (the raft loop
     * never waits for a disk, thesis §10.2.1).
     */
    List<LogEntry> takeEntriesToApply(long maxBytes) {
        if (!readForApply.isEmpty()) {
            List<LogEntry> out = readForApply;
            readForApply = List.of();
            handedToApply += out.size();
            return out;
        }
        if (!hasEntriesToApply()) {
            return List.of();
        }
        long from = handedToApply + 1;
        if (!applyReadFailed && !inMemory(from)) {
            applyReadFrom = from;
            applyReadToIssue = true;
            return List.of();
        }
        applyReadFailed = false;
        List<LogEntry> out = entries(from, commitIndex + 1, Integer.MAX_VALUE, maxBytes);
        handedToApply += out.size();
        return out;
    }

    /**
     * The read of committed entries for application that {@link #takeEntriesToApply} asked for, once, or null: an
     * {@link EntryFetch} for this server itself ({@code self}), up to the commit index (committed entries never
     * change, so the term is 0 and ignored).
     */
    EntryFetch takeApplyRead(String self, long maxBytes) {
        if (!applyReadToIssue) {
            return null;
        }
        applyReadToIssue = false;
        return new EntryFetch(self, 0, applyReadFrom, Math.min(commitIndex, lastDurableIndexToRead()) + 1, maxBytes);
    }

    /**
     * The driver read committed entries from {@code from} for application ({@code entries}, empty when the read
     * failed). Ignored unless it answers the read under way (a snapshot installed meanwhile replaced them).
     */
    void readForApply(long from, List<LogEntry> entries) {
        if (from != applyReadFrom) { // none under way (0), or not this one
            return;
        }
        applyReadFrom = 0;
        if (entries.isEmpty()) {
            applyReadFailed = true; // read again, on the loop this time
            return;
        }
        readForApply = List.copyOf(entries);
    }

    /**
     * The index where a follower's entries of {@code term} begin, searching at or below {@code atMost}
     * (fast backtracking, paper §5.3). Terms never decrease along a log, so a binary search suffices.
     */
    long firstIndexOfTerm(long term, long atMost) {
        long lo = firstIndex();
        long hi = atMost;
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            if (term(mid) >= term) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /**
     * The highest index at or below {@code atMost} whose term is at most {@code term}, or snapshotIndex when
     * none is (binary search, as terms never decrease along a log).
     */
    long lastIndexWithTermAtMost(long term, long atMost) {
        long lo = snapshotIndex();
        long hi = Math.min(atMost, lastIndex());
        while (lo < hi) {
            long mid = (lo + hi + 1) >>> 1;
            if (term(mid) <= term) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }
}
