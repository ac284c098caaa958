package io.keelraft.testkit;

import io.keelraft.core.protocol.DurableLog;
import io.keelraft.core.protocol.LogEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The entries on a simulated server's disk: exactly those whose write has completed, after a snapshot base
 * (entries at or below it were compacted away). It survives crashes; the protocol reads it through
 * {@link DurableLog}, and only the simulated disk writes to it. For the checkers it also keeps the
 * {@link HistoryHash} of the log through every index it holds, including the base.
 */
final class SimDurableLog implements DurableLog {

    /** Entries after the base: entries.get(i) has index base + 1 + i. */
    private final ArrayList<LogEntry> entries = new ArrayList<>();
    /** hashes[i] is the history hash through index base + i (hashes[0] is the base's). */
    private long[] hashes = new long[64];
    private long base;
    private long baseTerm;
    /**
     * How many of the newest entries count as in memory ({@link #inMemory}): the rest are "on disk", so a leader
     * fetches them off its loop (Ready.entriesToFetch) when a follower lags. Drawn per server and run.
     */
    private long memoryWindow = Long.MAX_VALUE;

    /** Makes only the newest {@code entries} entries count as in memory. */
    void keepInMemory(long entries) {
        this.memoryWindow = entries;
    }

    @Override
    public boolean inMemory(long fromIndex) {
        return fromIndex > lastIndex() - memoryWindow;
    }

    /**
     * Stores {@code batch}; an entry whose index is already stored replaces that entry and every entry after it
     * (suffix truncation, as {@link io.keelraft.core.protocol.Ready} asks).
     */
    void append(List<LogEntry> batch) {
        if (batch.isEmpty()) {
            return;
        }
        long first = batch.get(0).index();
        if (first <= base || first > lastIndex() + 1) {
            throw new IllegalStateException("write at index " + first + " outside (" + base + ", "
                    + (lastIndex() + 1) + "]: below the snapshot base or leaving a gap");
        }
        while (lastIndex() >= first) {
            entries.remove(entries.size() - 1);
        }
        for (LogEntry e : batch) {
            entries.add(e);
            int i = entries.size();
            if (i >= hashes.length) {
                hashes = Arrays.copyOf(hashes, hashes.length * 2);
            }
            hashes[i] = HistoryHash.extend(hashes[i - 1], e);
        }
    }

    /**
     * Compacts through {@code index}, as {@code LogStore.compactTo} does: when the log holds ({@code index},
     * {@code term}) the entries after it stay; otherwise every entry is discarded. Either way the log then
     * starts after {@code index}; {@code hash} is the snapshot's history hash, which becomes the base's when
     * the log is discarded. Does nothing when already compacted that far.
     *
     * @return true when the entries after {@code index} were kept
     */
    boolean compactTo(long index, long term, long hash) {
        if (index <= base) {
            return true;
        }
        boolean keep = index <= lastIndex() && term(index) == term;
        int drop = (int) (index - base);
        long[] kept = new long[Math.max(64, 2 * (keep ? entries.size() - drop + 1 : 1))];
        if (keep) {
            System.arraycopy(hashes, drop, kept, 0, entries.size() - drop + 1);
            entries.subList(0, drop).clear();
        } else {
            entries.clear();
            kept[0] = hash;
        }
        hashes = kept;
        base = index;
        baseTerm = term;
        return keep;
    }

    /** The entry at {@code index}, for snapshotIndex() < index <= lastIndex(). */
    LogEntry entry(long index) {
        return entries.get((int) (index - base - 1));
    }

    /** History hash of the log through {@code index}, for snapshotIndex() <= index <= lastIndex(). */
    long hash(long index) {
        return hashes[(int) (index - base)];
    }

    @Override
    public long snapshotIndex() {
        return base;
    }

    @Override
    public long snapshotTerm() {
        return baseTerm;
    }

    @Override
    public long lastIndex() {
        return base + entries.size();
    }

    @Override
    public long term(long index) {
        if (index == base) {
            return baseTerm;
        }
        if (index < base || index > lastIndex()) {
            throw new IndexOutOfBoundsException("index " + index + " outside [" + base + ", " + lastIndex() + "]");
        }
        return entry(index).term();
    }

    @Override
    public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
        if (fromIndex <= base || fromIndex > toIndex || toIndex > lastIndex() + 1) {
            throw new IndexOutOfBoundsException("range [" + fromIndex + ", " + toIndex + ") outside [" + (base + 1)
                    + ", " + (lastIndex() + 1) + ")");
        }
        return LogEntry.prefixWithin(entries.subList((int) (fromIndex - base - 1), (int) (toIndex - base - 1)), maxBytes);
    }
}
