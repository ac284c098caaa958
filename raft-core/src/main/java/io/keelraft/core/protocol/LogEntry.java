package io.keelraft.core.protocol;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One entry of the replicated log: its position, the term of the leader that created it, and its payload.
 *
 * <p>The payload array is never copied; callers must not modify it after handing it over.
 *
 * @param index   position in the log, starting at 1
 * @param term    term of the leader that created the entry
 * @param type    what the payload means
 * @param payload command bytes, an encoded {@link io.keelraft.core.ClusterConfiguration}, or empty for {@link EntryType#NO_OP}
 */
public record LogEntry(long index, long term, EntryType type, byte[] payload) {

    /** Fixed per-entry overhead counted in byte budgets, so that empty entries are not free. */
    public static final int OVERHEAD_BYTES = 32;

    private static final byte[] EMPTY = new byte[0];

    public LogEntry {
        Objects.requireNonNull(type, "type");
        payload = payload == null ? EMPTY : payload;
    }

    /**
     * The longest prefix of {@code entries} whose sizes add up to at most {@code maxBytes} — but at least the
     * first entry, so a read always makes progress: how {@link DurableLog#entries} bounds what it returns.
     * Returns a copy.
     */
    public static List<LogEntry> prefixWithin(List<LogEntry> entries, long maxBytes) {
        int n = 0;
        long bytes = 0;
        for (LogEntry e : entries) {
            if (n > 0 && bytes + e.sizeInBytes() > maxBytes) {
                break;
            }
            bytes += e.sizeInBytes();
            n++;
        }
        return new ArrayList<>(entries.subList(0, n));
    }

    /** Size counted against batch and in-flight byte limits. */
    public long sizeInBytes() {
        return payload.length + OVERHEAD_BYTES;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogEntry e && e.index == index && e.term == term && e.type == type
                && Arrays.equals(e.payload, payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, term, type, Arrays.hashCode(payload));
    }

    @Override
    public String toString() {
        return "LogEntry{" + index + "@" + term + " " + type + " " + payload.length + "B}";
    }
}
