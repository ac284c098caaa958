package io.keelraft.core.protocol;

import java.util.ArrayList;
import java.util.List;

/** A durable log kept in memory, for tests: "durable" the moment {@link #append} returns. */
final class MemoryLog implements DurableLog {

    private final List<LogEntry> entries = new ArrayList<>();

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
        while (lastIndex() >= first) {
            entries.remove(entries.size() - 1);
        }
        entries.addAll(toAppend);
    }

    List<Long> terms() {
        return entries.stream().map(LogEntry::term).toList();
    }

    @Override
    public long snapshotIndex() {
        return 0;
    }

    @Override
    public long snapshotTerm() {
        return 0;
    }

    @Override
    public long lastIndex() {
        return entries.size();
    }

    @Override
    public long term(long index) {
        if (index == 0) {
            return 0;
        }
        return entries.get((int) index - 1).term();
    }

    @Override
    public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
        List<LogEntry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = fromIndex; i < toIndex; i++) {
            LogEntry e = entries.get((int) i - 1);
            if (!out.isEmpty() && bytes + e.sizeInBytes() > maxBytes) {
                break;
            }
            bytes += e.sizeInBytes();
            out.add(e);
        }
        return out;
    }
}
