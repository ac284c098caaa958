package io.keelraft.testkit;

import io.keelraft.core.protocol.LogEntry;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Paper Figure 3, Log Matching: if two logs contain an entry with the same index and term, the logs are
 * identical in all entries up through that index. Checked on durable logs, incrementally: each server's log
 * carries a chained hash per index (the hash of the entry and of the chain before it), and the first chain
 * seen for an (index, term) anywhere, at any time, is the only one allowed (a leader creates at most one entry
 * per index in its term, so every copy of it must share one history).
 */
final class LogMatching {

    static final String PROPERTY = "Log Matching";

    private record IndexTerm(long index, long term) {
    }

    private record FirstSeen(long chain, String node) {
    }

    /** Chained hashes of one server's durable log; chain[0] is the empty prefix. */
    private static final class Chains {
        long[] chain = new long[64];
        int length = 1;
    }

    private final Map<String, Chains> chains = new HashMap<>();
    private final Map<IndexTerm, FirstSeen> firstSeen = new HashMap<>();

    /** {@code node} made {@code entries} durable (replacing any entries at or after the first one's index). */
    void durable(String node, List<LogEntry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        Chains c = chains.computeIfAbsent(node, n -> new Chains());
        int first = (int) entries.get(0).index();
        if (first < 1 || first > c.length) {
            throw new IllegalStateException(node + " wrote entry " + first + " after a log of " + (c.length - 1));
        }
        c.length = first;
        for (LogEntry e : entries) {
            if (c.length == c.chain.length) {
                c.chain = Arrays.copyOf(c.chain, c.chain.length * 2);
            }
            long h = chain(c.chain[c.length - 1], e);
            c.chain[c.length++] = h;
            FirstSeen earlier = firstSeen.putIfAbsent(new IndexTerm(e.index(), e.term()), new FirstSeen(h, node));
            if (earlier != null && earlier.chain() != h) {
                throw new SafetyViolation(PROPERTY, node + " and " + earlier.node() + " both hold entry " + e.index()
                        + "@" + e.term() + " but " + difference(node, earlier.node(), e.index()));
            }
        }
    }

    private String difference(String a, String b, long upTo) {
        Chains ca = chains.get(a);
        Chains cb = chains.get(b);
        long common = Math.min(upTo, Math.min(ca.length, cb.length) - 1);
        for (int i = 1; i <= common; i++) {
            if (ca.chain[i] != cb.chain[i]) {
                return "their logs first differ at index " + i;
            }
        }
        return "with different entries or histories (" + b + "'s copy has since been overwritten)";
    }

    private static long chain(long previous, LogEntry e) {
        long h = previous * 0x9E3779B97F4A7C15L;
        h ^= e.index() * 0xC2B2AE3D27D4EB4FL;
        h ^= e.term() * 0x165667B19E3779F9L;
        h ^= (long) e.type().ordinal() << 56;
        h ^= Arrays.hashCode(e.payload()) * 0x27D4EB2F165667C5L;
        return h ^ (h >>> 31);
    }
}
