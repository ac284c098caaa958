package io.keelraft.core.runtime;

import io.keelraft.core.OutcomeUnknownException;
import io.keelraft.core.protocol.LogEntry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;

/**
 * Commands this server proposed as leader whose entries are not committed yet. Confined to the raft loop: a
 * proposal is registered when the protocol accepts it and claimed when its index is handed out committed. With
 * its own term at that index it committed, and its future travels with the entry to the apply thread, which
 * completes it with the state machine's result; with another term, a leader change replaced it and it did not
 * take effect (paper §5.3 — the new leader overwrote it).
 */
final class PendingProposals {

    private record Pending(long term, int bytes, CompletableFuture<AppliedResult> future) {
    }

    /** What the apply thread learned about a proposal. */
    record AppliedResult(long index, byte[] result, RuntimeException failure) {
    }

    /** Invariant: {@link #bytes} is the sum of the sizes of the proposals in {@link #byIndex}. */
    private final TreeMap<Long, Pending> byIndex = new TreeMap<>();
    private long bytes;

    /**
     * Registers the proposal appended at {@code index} in {@code term}; a proposal of an earlier term at that index
     * was overwritten in this server's log and fails with {@code overwritten} (its outcome is unknown: other servers
     * may still hold it, and a later leader may yet commit it at this index, paper Figure 8).
     */
    void add(long index, long term, int size, CompletableFuture<AppliedResult> future) {
        Pending previous = byIndex.put(index, new Pending(term, size, future));
        bytes += size;
        if (previous != null) {
            bytes -= previous.bytes();
            previous.future().completeExceptionally(new OutcomeUnknownException("entry " + index + " (term "
                    + previous.term() + ") was overwritten in this server's log before it was known to be committed;"
                    + " it may or may not have been applied"));
        }
    }

    int count() {
        return byIndex.size();
    }

    long bytes() {
        return bytes;
    }

    /**
     * Claims the proposals answered by {@code committed}: returns index to future for those committed with their own
     * term (the apply thread completes them), and fails with {@code replaced} those another term's entry replaced.
     */
    Map<Long, CompletableFuture<AppliedResult>> claim(List<LogEntry> committed,
                                                     LongFunction<RuntimeException> replaced) {
        if (byIndex.isEmpty() || byIndex.firstKey() > committed.get(committed.size() - 1).index()) {
            return Map.of();
        }
        Map<Long, CompletableFuture<AppliedResult>> claimed = new HashMap<>();
        for (LogEntry e : committed) {
            Pending p = byIndex.remove(e.index());
            if (p == null) {
                continue;
            }
            bytes -= p.bytes();
            if (p.term() == e.term()) {
                claimed.put(e.index(), p.future());
            } else {
                // Another term's entry was committed at its index: ours never can be (one entry per committed
                // index, paper §5.4), so it certainly did not take effect.
                p.future().completeExceptionally(replaced.apply(e.index()));
            }
        }
        return claimed;
    }

    /**
     * Fails the proposals at or below {@code index}: a snapshot replaced their entries before they were handed out
     * committed (they may have applied, so {@code cause} should say the outcome is unknown).
     */
    void failThrough(long index, RuntimeException cause) {
        Map<Long, Pending> gone = byIndex.headMap(index, true);
        for (Pending p : gone.values()) {
            bytes -= p.bytes();
            p.future().completeExceptionally(cause);
        }
        gone.clear();
    }

    /** Fails every pending proposal (the server stops). */
    void failAll(RuntimeException cause) {
        failThrough(Long.MAX_VALUE, cause);
    }
}
