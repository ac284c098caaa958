package io.keelraft.testkit;

import io.keelraft.core.protocol.LogEntry;
import java.util.Arrays;

/**
 * The chained hash of a sequence of log entries (1..i): {@code h(i) = extend(h(i - 1), entry i)}, with
 * {@link #EMPTY} for the empty prefix. Logs on disk, state machines and snapshots all hash their history
 * this one way, so a compacted log prefix, an applied sequence and a snapshot taken from it can be compared in
 * O(1) once the entries themselves are gone.
 */
final class HistoryHash {

    static final long EMPTY = 0;

    private HistoryHash() {
    }

    static long extend(long previous, LogEntry e) {
        long h = previous * 0x9E3779B97F4A7C15L;
        h ^= e.index() * 0xC2B2AE3D27D4EB4FL;
        h ^= e.term() * 0x165667B19E3779F9L;
        h ^= (long) e.type().ordinal() << 56;
        h ^= Arrays.hashCode(e.payload()) * 0x27D4EB2F165667C5L;
        return h ^ (h >>> 31);
    }
}
