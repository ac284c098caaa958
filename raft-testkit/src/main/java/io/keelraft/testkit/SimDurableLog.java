package io.keelraft.testkit;

import io.keelraft.core.protocol.DurableLog;
import io.keelraft.core.protocol.LogEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * The entries on a simulated server's disk: exactly those whose write has completed. It survives crashes; the
 * protocol reads it through {@link DurableLog}, and only the simulated disk writes to it.
 */
final class SimDurableLog implements DurableLog {

    private final ArrayList<LogEntry> entries = new ArrayList<>();

    /**
     * Stores {@code batch}; an entry whose index is already stored replaces that entry and every entry after it
     * (suffix truncation, as {@link io.keelraft.core.protocol.Ready} asks).
     */
    void append(List<LogEntry> batch) {
        if (batch.isEmpty()) {
            return;
        }
        long first = batch.get(0).index();
        if (first < 1 || first > lastIndex() + 1) {
            throw new IllegalStateException("write at index " + first + " would leave a gap after " + lastIndex());
        }
        while (lastIndex() >= first) {
            entries.remove(entries.size() - 1);
        }
        entries.addAll(batch);
    }

    /** The entry at {@code index}, for 1 <= index <= lastIndex(). */
    LogEntry entry(long index) {
        return entries.get((int) (index - 1));
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
        if (index < 0 || index > lastIndex()) {
            throw new IndexOutOfBoundsException("index " + index + " outside [0, " + lastIndex() + "]");
        }
        return entry(index).term();
    }

    @Override
    public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
        if (fromIndex < 1 || fromIndex > toIndex || toIndex > lastIndex() + 1) {
            throw new IndexOutOfBoundsException("range [" + fromIndex + ", " + toIndex + ") outside [1, "
                    + (lastIndex() + 1) + ")");
        }
        List<LogEntry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = fromIndex; i < toIndex; i++) {
            LogEntry e = entry(i);
            if (!out.isEmpty() && bytes + e.sizeInBytes() > maxBytes) {
                break;
            }
            bytes += e.sizeInBytes();
            out.add(e);
        }
        return out;
    }
}
