package io.keelraft.core.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * A durable log for {@link RaftLog}'s own tests, shaped like a disk-backed store: entries from
 * {@link #cachedFrom} on are "in memory" ({@link #inMemory}), older ones only on disk; every
 * {@link #entries} call is counted, so a test can tell whether the protocol read the durable log at all.
 * Appends have the suffix-truncation semantics of {@link Ready#entriesToAppend()}; {@link #compactTo} behaves
 * as {@code LogStore.compactTo}.
 */
final class CachedDiskLog implements DurableLog {

    /** Entries after the base: entries.get(i) has index base + 1 + i. */
    private final List<LogEntry> entries = new ArrayList<>();
    private long base;
    private long baseTerm;
    /** First index served from memory; everything below it is on disk only. */
    long cachedFrom = Long.MAX_VALUE;
    /** Number of {@link #entries} calls. */
    int reads;

    /** A log based at (base, baseTerm) holding entries base+1.. with the given terms, 1-byte payloads. */
    static CachedDiskLog based(long base, long baseTerm, long... terms) {
        CachedDiskLog log = new CachedDiskLog();
        log.base = base;
        log.baseTerm = baseTerm;
        for (int i = 0; i < terms.length; i++) {
            log.entries.add(entry(base + 1 + i, terms[i]));
        }
        return log;
    }

    /** A log holding entries 1..n with the given terms. */
    static CachedDiskLog withTerms(long... terms) {
        return based(0, 0, terms);
    }

    /** A command entry with a 1-byte payload: {@link LogEntry#sizeInBytes()} is 33. */
    static LogEntry entry(long index, long term) {
        return new LogEntry(index, term, EntryType.COMMAND, new byte[] {(byte) index});
    }

    /** A command entry whose size in bytes is exactly {@code size} (at least the fixed overhead). */
    static LogEntry sized(long index, long term, int size) {
        return new LogEntry(index, term, EntryType.COMMAND, new byte[size - LogEntry.OVERHEAD_BYTES]);
    }

    /** Makes entries durable as a driver does with {@link Ready#entriesToAppend()}. */
    void append(List<LogEntry> toAppend) {
        if (toAppend.isEmpty()) {
            return;
        }
        long first = toAppend.get(0).index();
        if (first > lastIndex() + 1 || first <= base) {
            throw new IllegalStateException("cannot append at " + first + " to (" + base + ", " + lastIndex() + "]");
        }
        while (lastIndex() >= first) {
            entries.remove(entries.size() - 1);
        }
        entries.addAll(toAppend);
    }

    /** As {@code LogStore.compactTo}: keeps what follows (index, term) when held, else discards everything. */
    void compactTo(long index, long term) {
        if (index <= base) {
            return;
        }
        if (index <= lastIndex() && term(index) == term) {
            entries.subList(0, (int) (index - base)).clear();
        } else {
            entries.clear();
        }
        base = index;
        baseTerm = term;
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
        return entries.get((int) (index - base - 1)).term();
    }

    @Override
    public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
        if (fromIndex <= base || fromIndex > toIndex || toIndex > lastIndex() + 1) {
            throw new IllegalArgumentException("read [" + fromIndex + ", " + toIndex + ") outside ("
                    + base + ", " + (lastIndex() + 1) + "]");
        }
        reads++;
        return LogEntry.prefixWithin(entries.subList((int) (fromIndex - base - 1), (int) (toIndex - base - 1)),
                maxBytes);
    }

    @Override
    public boolean inMemory(long fromIndex) {
        return fromIndex >= cachedFrom;
    }
}
