package io.keelraft.storage;

import io.keelraft.core.protocol.LogEntry;

/**
 * The most recent durable entries, contiguous and bounded by bytes: a leader replicating to followers that
 * keep up reads these, never the disk. A ring buffer, so lookups by index are O(1).
 *
 * <p>Not thread-safe: guarded by the {@link LogView} lock.
 */
final class EntryCache {

    private final long maxBytes;
    private LogEntry[] ring = new LogEntry[256];
    private int head;
    private int size;
    private long firstIndex;
    private long bytes;

    EntryCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    boolean contains(long index) {
        return size > 0 && index >= firstIndex && index < firstIndex + size;
    }

    /** First cached index, or {@code Long.MAX_VALUE} when empty. */
    long firstIndex() {
        return size == 0 ? Long.MAX_VALUE : firstIndex;
    }

    LogEntry get(long index) {
        return ring[(head + (int) (index - firstIndex)) % ring.length];
    }

    /** Adds the entry after the last cached one (or starts over), evicting the oldest past the byte bound. */
    void add(LogEntry entry) {
        if (size > 0 && entry.index() != firstIndex + size) {
            clear();
        }
        if (entry.sizeInBytes() > maxBytes) {
            clear(); // too big to cache; the cache stays contiguous up to the last entry
            return;
        }
        if (size == ring.length) {
            grow();
        }
        if (size == 0) {
            firstIndex = entry.index();
        }
        ring[(head + size) % ring.length] = entry;
        size++;
        bytes += entry.sizeInBytes();
        while (bytes > maxBytes) {
            evictOldest();
        }
    }

    /** Drops every entry from {@code index} on. */
    void truncateFrom(long index) {
        while (size > 0 && firstIndex + size - 1 >= index) {
            int last = (head + size - 1) % ring.length;
            bytes -= ring[last].sizeInBytes();
            ring[last] = null;
            size--;
        }
    }

    /** Drops every entry at or below {@code index}. */
    void dropThrough(long index) {
        while (size > 0 && firstIndex <= index) {
            evictOldest();
        }
    }

    void clear() {
        while (size > 0) {
            evictOldest();
        }
    }

    private void evictOldest() {
        bytes -= ring[head].sizeInBytes();
        ring[head] = null;
        head = (head + 1) % ring.length;
        size--;
        firstIndex++;
    }

    private void grow() {
        LogEntry[] bigger = new LogEntry[ring.length * 2];
        for (int i = 0; i < size; i++) {
            bigger[i] = ring[(head + i) % ring.length];
        }
        ring = bigger;
        head = 0;
    }
}
