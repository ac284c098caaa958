package io.keelraft.core.runtime;

import io.keelraft.core.OutcomeUnknownException;
import io.keelraft.core.protocol.LogEntry;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;

/**
 * Commands this server proposed as leader whose entries are not committed yet. Confined to the raft loop: a
 * proposal is registered when the protocol accepts it and claimed when its index is handed out committed. With
 * its own term at that index it committed, and its future travels with the entry to the apply thread, which
 * completes it with the state machine's result; with another term, a leader change replaced it and it did not
 * take effect (paper §5.3 — the new leader overwrote it).
 *
 * <p>A leader appends at increasing indexes and entries commit in index order, so the proposals are a queue in
 * index order and each claim takes from its head: O(1) per command, no boxing, no tree. The rare proposal that
 * falls out of that order (this server lost leadership and, leading again, appended below it) waits in a
 * side map with the same rules.
 */
final class PendingProposals {

    private record Pending(long index, long term, int bytes, CompletableFuture<AppliedResult> future) {
    }

    /** What the apply thread learned about a proposal. */
    record AppliedResult(long index, byte[] result, RuntimeException failure) {
    }

    /** Invariant: indexes strictly increase from head to tail. */
    private final ArrayDeque<Pending> inOrder = new ArrayDeque<>();
    /** Proposals displaced from {@link #inOrder} by a later proposal at a lower index; usually empty. */
    private final TreeMap<Long, Pending> displaced = new TreeMap<>();
    /** Invariant: the sum of the sizes of the proposals in {@link #inOrder} and {@link #displaced}. */
    private long bytes;

    /**
     * Registers the proposal appended at {@code index} in {@code term}; a proposal of an earlier term at that index
     * was overwritten in this server's log and fails with {@code overwritten} (its outcome is unknown: other servers
     * may still hold it, and a later leader may yet commit it at this index, paper Figure 8).
     */
    void add(long index, long term, int size, CompletableFuture<AppliedResult> future) {
        while (!inOrder.isEmpty() && inOrder.peekLast().index() >= index) {
            Pending later = inOrder.pollLast();
            if (later.index() == index) {
                overwritten(later);
            } else {
                displaced.put(later.index(), later); // not overwritten by this proposal: keeps waiting for its index
            }
        }
        if (!displaced.isEmpty()) {
            Pending previous = displaced.remove(index);
            if (previous != null) {
                overwritten(previous);
            }
        }
        inOrder.addLast(new Pending(index, term, size, future));
        bytes += size;
    }

    private void overwritten(Pending p) {
        bytes -= p.bytes();
        p.future().completeExceptionally(new OutcomeUnknownException("entry " + p.index() + " (term " + p.term()
                + ") was overwritten in this server's log before it was known to be committed;"
                + " it may or may not have been applied"));
    }

    int count() {
        return inOrder.size() + displaced.size();
    }

    long bytes() {
        return bytes;
    }

    /**
     * Claims the proposals answered by {@code committed}: returns, at each position of {@code committed}, the future of
     * the proposal committed there with its own term (the apply thread completes it) or null — or null for the whole
     * batch when none is — and fails with {@code replaced} those another term's entry replaced.
     */
    CompletableFuture<AppliedResult>[] claim(List<LogEntry> committed, LongFunction<RuntimeException> replaced) {
        CompletableFuture<AppliedResult>[] claimed = null;
        for (int i = 0; i < committed.size(); i++) {
            if (inOrder.isEmpty() && displaced.isEmpty()) {
                break;
            }
            LogEntry e = committed.get(i);
            while (!inOrder.isEmpty() && inOrder.peekFirst().index() < e.index()) {
                // Passed over (not handed out committed): keeps its old place in the map, as any displaced one.
                Pending skipped = inOrder.pollFirst();
                displaced.put(skipped.index(), skipped);
            }
            Pending p = null;
            if (!inOrder.isEmpty() && inOrder.peekFirst().index() == e.index()) {
                p = inOrder.pollFirst();
            } else if (!displaced.isEmpty()) {
                p = displaced.remove(e.index());
            }
            if (p == null) {
                continue;
            }
            bytes -= p.bytes();
            if (p.term() == e.term()) {
                if (claimed == null) {
                    claimed = newArray(committed.size());
                }
                claimed[i] = p.future();
            } else {
                // Another term's entry was committed at its index: ours never can be (one entry per committed
                // index, paper §5.4), so it certainly did not take effect.
                p.future().completeExceptionally(replaced.apply(e.index()));
            }
        }
        return claimed;
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<AppliedResult>[] newArray(int size) {
        return (CompletableFuture<AppliedResult>[]) new CompletableFuture<?>[size];
    }

    /**
     * Fails the proposals at or below {@code index}: a snapshot replaced their entries before they were handed out
     * committed (they may have applied, so {@code cause} should say the outcome is unknown).
     */
    void failThrough(long index, RuntimeException cause) {
        while (!inOrder.isEmpty() && inOrder.peekFirst().index() <= index) {
            fail(inOrder.pollFirst(), cause);
        }
        for (Iterator<Pending> it = displaced.headMap(index, true).values().iterator(); it.hasNext(); ) {
            fail(it.next(), cause);
            it.remove();
        }
    }

    private void fail(Pending p, RuntimeException cause) {
        bytes -= p.bytes();
        p.future().completeExceptionally(cause);
    }

    /** Fails every pending proposal (the server stops). */
    void failAll(RuntimeException cause) {
        failThrough(Long.MAX_VALUE, cause);
    }
}
