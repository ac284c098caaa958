package io.keelraft.transport.netty;

import io.keelraft.core.protocol.DurableLog;
import io.keelraft.core.protocol.LogEntry;
import java.util.ArrayList;
import java.util.List;

/** A durable log kept in memory: "durable" the moment {@link #append} returns. One thread uses it. */
final class InMemoryLog implements DurableLog {

    private final List<LogEntry> entries = new ArrayList<>();

    /** Appends with suffix truncation: an entry at an index already held replaces it and everything after it. */
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
        return index == 0 ? 0 : entries.get((int) index - 1).term();
    }

    @Override
    public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
        return LogEntry.prefixWithin(entries.subList((int) fromIndex - 1, (int) toIndex - 1), maxBytes);
    }
}
