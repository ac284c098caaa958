package io.keelraft.core.runtime;

import io.keelraft.core.OutcomeUnknownException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Commands this server proposed as leader, waiting to be applied. A command is done when the entry at its
 * index is applied: with its term, it committed; with another term, a leader change replaced it and it did
 * not take effect (paper §5.3 — the new leader overwrote it). Registered on the raft loop, completed on the
 * apply thread.
 */
final class PendingProposals {

    private record Pending(long term, int bytes, CompletableFuture<AppliedResult> future) {
    }

    /** What the apply thread learned about a proposal. */
    record AppliedResult(long index, byte[] result, RuntimeException failure) {
    }

    private final ConcurrentSkipListMap<Long, Pending> byIndex = new ConcurrentSkipListMap<>();
    private final AtomicLong bytes = new AtomicLong();

    void add(long index, long term, int size, CompletableFuture<AppliedResult> future) {
        Pending previous = byIndex.put(index, new Pending(term, size, future));
        bytes.addAndGet(size);
        if (previous != null) {
            // A new leader term reused the index: the older proposal was overwritten in this server's log (paper
            // §5.3). Unknown, not certain: other servers may still hold it, and a later leader may yet commit it
            // at this index (paper Figure 8), since the entry that replaced it here was not committed either.
            removed(previous);
            previous.future().completeExceptionally(new OutcomeUnknownException("entry " + index + " (term "
                    + previous.term() + ") was overwritten in this server's log before it was known to be committed;"
                    + " it may or may not have been applied"));
        }
    }

    int count() {
        return byIndex.size();
    }

    long bytes() {
        return bytes.get();
    }

    private void removed(Pending p) {
        bytes.addAndGet(-p.bytes());
    }

    /**
     * The entry at {@code index} of {@code term} was applied with {@code outcome}; completes the proposal at
     * that index, or fails it when a different entry took its place.
     */
    void applied(long index, long term, AppliedResult outcome, Function<Long, RuntimeException> replaced) {
        Pending p = byIndex.remove(index);
        if (p == null) {
            return;
        }
        removed(p);
        if (p.term() == term) {
            p.future().complete(outcome);
        } else {
            p.future().completeExceptionally(replaced.apply(index));
        }
    }

    /**
     * Fails the proposals at or below {@code index}: a snapshot replaced their entries (they may have applied, so
     * {@code cause} should say the outcome is unknown).
     */
    void failThrough(long index, RuntimeException cause) {
        for (Map.Entry<Long, Pending> e : byIndex.headMap(index, true).entrySet()) {
            if (byIndex.remove(e.getKey(), e.getValue())) {
                removed(e.getValue());
                e.getValue().future().completeExceptionally(cause);
            }
        }
    }

    /** Fails every pending proposal (the server stops). */
    void failAll(RuntimeException cause) {
        for (Map.Entry<Long, Pending> e : byIndex.entrySet()) {
            if (byIndex.remove(e.getKey(), e.getValue())) {
                removed(e.getValue());
                e.getValue().future().completeExceptionally(cause);
            }
        }
    }
}
