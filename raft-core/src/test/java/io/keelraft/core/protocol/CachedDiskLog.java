package io.keelraft.core.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * A durable log for {@link RaftLog}'s own tests, shaped like a disk-backed store: entries from
 * {@link #cachedFrom} on are "in memory" ({@link #inMemory}), older ones only on disk; every
 * {@link #entries} call is counted, so a test can tell whether the protocol read the durable log at all.
 * Appends and compaction are {@link MemoryLog}'s (the semantics of {@link Ready#entriesToAppend()} and
 * {@code LogStore.compactTo}).
 */
final class CachedDiskLog extends MemoryLog {

    /** First index served from memory; everything below it is on disk only. */
    long cachedFrom = Long.MAX_VALUE;
    /** Number of {@link #entries} calls. */
    int reads;

    /** A log based at (base, baseTerm) holding entries base+1.. with the given terms, 1-byte payloads. */
    static CachedDiskLog based(long base, long baseTerm, long... terms) {
        CachedDiskLog log = new CachedDiskLog();
        log.compactTo(base, baseTerm); // an empty log: it now starts after (base, baseTerm)
        List<LogEntry> entries = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            entries.add(entry(base + 1 + i, terms[i]));
        }
        log.append(entries);
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

    @Override
    public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
        if (fromIndex <= snapshotIndex() || fromIndex > toIndex || toIndex > lastIndex() + 1) {
            throw new IllegalArgumentException("read [" + fromIndex + ", " + toIndex + ") outside ("
                    + snapshotIndex() + ", " + (lastIndex() + 1) + "]");
        }
        reads++;
        return super.entries(fromIndex, toIndex, maxBytes);
    }

    @Override
    public boolean inMemory(long fromIndex) {
        return fromIndex >= cachedFrom;
    }
}
