package io.keelraft.core.protocol;

import java.util.ArrayDeque;

/**
 * The AppendEntries outstanding to one follower while pipelining, bounded by count and by bytes so that a
 * slow follower cannot make the leader buffer without limit.
 */
final class Inflights {

    private final int maxCount;
    private final long maxBytes;
    private final ArrayDeque<long[]> window = new ArrayDeque<>(); // {lastIndex, bytes}
    private long bytes;

    Inflights(int maxCount, long maxBytes) {
        this.maxCount = maxCount;
        this.maxBytes = maxBytes;
    }

    void add(long lastIndex, long size) {
        window.addLast(new long[] {lastIndex, size});
        bytes += size;
    }

    /** Frees every append whose last index is at or below the acknowledged {@code index}. */
    void freeTo(long index) {
        while (!window.isEmpty() && window.peekFirst()[0] <= index) {
            bytes -= window.pollFirst()[1];
        }
    }

    boolean isFull() {
        return window.size() >= maxCount || bytes >= maxBytes;
    }

    boolean isEmpty() {
        return window.isEmpty();
    }

    int count() {
        return window.size();
    }

    void reset() {
        window.clear();
        bytes = 0;
    }
}
