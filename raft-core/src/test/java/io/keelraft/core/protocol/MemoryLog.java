package io.keelraft.core.protocol;

import java.util.ArrayList;
import java.util.List;

/** A durable log kept in memory, for tests: "durable" the moment {@link #append} returns. */
class MemoryLog implements DurableLog {

    /** Entries after the snapshot base: entries.get(i) has index base + 1 + i. */
    private final List<LogEntry> entries = new ArrayList<>();
    private long base;
    private long baseTerm;

    /** A log holding entries 1..n with the given terms and empty command payloads. */
    static MemoryLog withTerms(long... terms) {
        MemoryLog log = new MemoryLog();
        List<LogEntry> list = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            list.add(new LogEntry(i + 1, terms[i], EntryType.COMMAND, new byte[] {(byte) i}));
        }
        log.append(list);
        return log;
    }

    /** Appends with suffix-truncation semantics, as {@link Ready#entriesToAppend()} requires. */
    void append(List<LogEntry> toAppend) {
        if (toAppend.isEmpty()) {
            return;
        }
        long first = toAppend.get(0).index();
        if (first > lastIndex() + 1) {
            throw new IllegalStateException("gap: appending " + first + " after " + lastIndex());
        }
        if (first <= base) {
            throw new IllegalStateException("appending " + first + " at or below the snapshot base " + base);
        }
        while (lastIndex() >= first) {
            entries.remove(entries.size() - 1);
        }
        entries.addAll(toAppend);
    }

    /**
     * Compacts through {@code index} as {@code LogStore.compactTo} does: when this log does not hold
     * ({@code index}, {@code term}) every entry is discarded and the log starts after the snapshot.
     */
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

    /** Terms of the entries after the snapshot base. */
    List<Long> terms() {
        return entries.stream().map(LogEntry::term).toList();
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
        return entries.get((int) (index - base) - 1).term();
    }

    @Override
    public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
        return LogEntry.prefixWithin(entries.subList((int) (fromIndex - base) - 1, (int) (toIndex - base) - 1), maxBytes);
    }
}
