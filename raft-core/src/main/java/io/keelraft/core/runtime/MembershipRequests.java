package io.keelraft.core.runtime;

import io.keelraft.core.NotLeaderException;
import io.keelraft.core.RaftException;
import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.RaftProtocol;
import io.keelraft.core.Role;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Membership changes and leadership transfers waiting on the raft loop for their outcome (thesis chapter 4,
 * §3.10). {@link #check} runs after every Ready and completes what the protocol's state now decides.
 */
final class MembershipRequests {

    /** A change proposed at (index, term): done when the configuration in force is final and committed past it. */
    private static final class Change {
        final long index;
        final long term;
        final CompletableFuture<ClusterConfiguration> out;
        /** Seen committed with its own term: from then on only the move to a plain configuration is awaited. */
        boolean committed;

        Change(long index, long term, CompletableFuture<ClusterConfiguration> out) {
            this.index = index;
            this.term = term;
            this.out = out;
        }
    }

    /** A transfer asked in {@code term}: done when {@code target} leads a later term. */
    private record Transfer(String target, long term, CompletableFuture<Void> out) {
    }

    /** A learner to catch up: done when its matchIndex reaches the leader's commitIndex (thesis §4.2.1). */
    private record CatchUp(String server, CompletableFuture<Void> out) {
    }

    private final List<Change> changes = new ArrayList<>();
    private final List<Transfer> transfers = new ArrayList<>();
    private final List<CatchUp> catchUps = new ArrayList<>();

    void change(long index, long term, CompletableFuture<ClusterConfiguration> out) {
        changes.add(new Change(index, term, out));
    }

    void transfer(String target, long term, CompletableFuture<Void> out) {
        transfers.add(new Transfer(target, term, out));
    }

    void catchUp(String server, CompletableFuture<Void> out) {
        catchUps.add(new CatchUp(server, out));
    }

    /** Completes or fails what the protocol's state decides now. */
    void check(RaftProtocol p, Supplier<NotLeaderException> notLeader) {
        for (Iterator<Change> it = changes.iterator(); it.hasNext(); ) {
            Change c = it.next();
            if (c.out.isDone()) {
                it.remove();
                continue;
            }
            if (!c.committed && p.commitIndex() >= c.index) {
                // Decided as soon as it is committed: ours, or another leader's entry at that index. A snapshot
                // may have replaced the log up to there meanwhile (this server lost leadership and was sent one):
                // then which entry it was is no longer known here.
                long term = p.termIfKnown(c.index);
                if (term == c.term) {
                    c.committed = true;
                } else {
                    it.remove();
                    // term 0: which entry committed is no longer known here (unknown); else another entry was
                    // committed at its index, so the change certainly did not take effect.
                    c.out.completeExceptionally(new RaftException(term == 0
                            ? "the outcome of the configuration change at index " + c.index + " is unknown: a "
                            + "snapshot replaced this server's log before it saw the commit; read configuration()"
                            : "the configuration change at index " + c.index + " was lost with a leader change; "
                            + "nothing changed, it may be retried", term == 0));
                    continue;
                }
            }
            if (c.committed && p.configurationIndex() >= c.index && !p.configuration().isJoint()
                    && p.configurationCommitted()) {
                it.remove();
                c.out.complete(p.configuration());
            }
        }
        for (Iterator<Transfer> it = transfers.iterator(); it.hasNext(); ) {
            Transfer t = it.next();
            if (t.out.isDone()) {
                it.remove();
            } else if (p.currentTerm() > t.term && t.target.equals(p.leaderId())) {
                it.remove();
                t.out.complete(null);
            } else if (p.role() == Role.LEADER && p.currentTerm() == t.term && p.leadershipTransferee() == null) {
                it.remove();
                // Certain: this server leads the same term again, so the transfer did not happen.
                t.out.completeExceptionally(new RaftException("leadership transfer to " + t.target + " aborted: it"
                        + " did not take over within an election timeout; " + p.id() + " leads again", false));
            } else if (p.currentTerm() > t.term && p.leaderId() != null) {
                it.remove();
                // Certain: what was asked (the target leads) did not happen; another server leads instead.
                t.out.completeExceptionally(new RaftException("leadership went to " + p.leaderId() + ", not "
                        + t.target, false));
            }
        }
        for (Iterator<CatchUp> it = catchUps.iterator(); it.hasNext(); ) {
            CatchUp c = it.next();
            if (c.out.isDone()) {
                it.remove();
            } else if (p.role() != Role.LEADER) {
                it.remove();
                c.out.completeExceptionally(notLeader.get());
            } else if (p.matchIndexes().getOrDefault(c.server, 0L) >= p.commitIndex()) {
                it.remove();
                c.out.complete(null);
            }
        }
    }
}
