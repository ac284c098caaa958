package io.keelraft.testkit;

import io.keelraft.core.protocol.LogEntry;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Paper Figure 3, Log Matching: if two logs contain an entry with the same index and term, the logs are
 * identical in all entries up through that index. Checked on durable logs, incrementally: each server's log
 * carries a chained hash per index ({@link HistoryHash}: the hash of the entry and of the chain before it), and
 * the first chain seen for an (index, term) anywhere, at any time, is the only one allowed (a leader creates at
 * most one entry per index in its term, so every copy of it must share one history).
 *
 * <p>Compaction keeps the check whole: a log compacted through index i keeps its chain at i, and a snapshot
 * is a history too — its last entry (i, term) and hash must agree with every other copy of that entry, and
 * with the log's own chain at i when the log keeps its entries after i. A log discarded for a snapshot
 * continues from the snapshot's hash, so entries appended after it are checked against the snapshot's history.
 */
final class LogMatching {

    static final String PROPERTY = "Log Matching";

    private record IndexTerm(long index, long term) {
    }

    private record FirstSeen(long chain, String node) {
    }

    /** Chained hashes of one server's durable log, by absolute index; valid from {@code base} on. */
    private static final class Chains {
        long[] chain = new long[64];
        int length = 1;
        int base;
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
        if (first <= c.base || first > c.length) {
            throw new IllegalStateException(node + " wrote entry " + first + " after a log of " + (c.length - 1)
                    + " starting after " + c.base);
        }
        c.length = first;
        for (LogEntry e : entries) {
            grow(c, c.length + 1);
            long h = HistoryHash.extend(c.chain[c.length - 1], e);
            c.chain[c.length++] = h;
            requireFirstSeen(node, e.index(), e.term(), h);
        }
    }

    /**
     * {@code node} compacted its durable log through {@code index} for a snapshot whose last entry is
     * {@code index}@{@code term} and whose history hash is {@code hash}; {@code kept} says whether the entries
     * after {@code index} stayed (the log held that entry) or the log was discarded.
     */
    void compacted(String node, long index, long term, long hash, boolean kept) {
        Chains c = chains.computeIfAbsent(node, n -> new Chains());
        if (index <= c.base) {
            return;
        }
        if (kept && c.chain[(int) index] != hash && index < c.length - 1) {
            // The log's entries after the snapshot's index were written after another history than the
            // snapshot's: a log that keeps them would hold entries whose prefix differs from what they followed.
            throw new SafetyViolation(PROPERTY, node + " compacted its log through entry " + index + "@" + term
                    + " for a snapshot whose history differs from the log's through that index, and kept the "
                    + "entries after it");
        }
        if (!kept) {
            c.length = (int) index + 1;
        }
        if (index >= c.length) {
            throw new IllegalStateException(node + " kept its log after " + index + " but it ends at "
                    + (c.length - 1));
        }
        grow(c, (int) index + 1);
        c.chain[(int) index] = hash;
        c.base = (int) index;
        requireFirstSeen(node, index, term, hash);
    }

    private void requireFirstSeen(String node, long index, long term, long h) {
        FirstSeen earlier = firstSeen.putIfAbsent(new IndexTerm(index, term), new FirstSeen(h, node));
        if (earlier != null && earlier.chain() != h) {
            throw new SafetyViolation(PROPERTY, node + " and " + earlier.node() + " both hold entry " + index + "@"
                    + term + " but " + difference(node, earlier.node(), index));
        }
    }

    private static void grow(Chains c, int size) {
        if (size > c.chain.length) {
            c.chain = Arrays.copyOf(c.chain, Math.max(size, c.chain.length * 2));
        }
    }

    private String difference(String a, String b, long upTo) {
        Chains ca = chains.get(a);
        Chains cb = chains.get(b);
        long common = Math.min(upTo, Math.min(ca.length, cb.length) - 1);
        int from = Math.max(ca.base, cb.base);
        if (from <= common && ca.chain[from] != cb.chain[from]) {
            return "their histories through index " + from + " already differ (one of them is compacted there)";
        }
        for (int i = from + 1; i <= common; i++) {
            if (ca.chain[i] != cb.chain[i]) {
                return "their logs first differ at index " + i;
            }
        }
        return "with different entries or histories (" + b + "'s copy has since been overwritten or compacted)";
    }
}
