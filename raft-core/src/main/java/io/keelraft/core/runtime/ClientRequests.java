package io.keelraft.core.runtime;

import io.keelraft.core.NotLeaderException;
import io.keelraft.core.OverloadedException;
import io.keelraft.core.RaftException;
import io.keelraft.core.RaftTimeoutException;
import io.keelraft.core.ReadMode;
import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.ProposeResult;
import io.keelraft.core.Role;
import io.keelraft.core.spi.ClientCall;
import io.keelraft.core.spi.ClientRequest;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.spi.RaftScheduler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;

/**
 * What callers ask of a {@link RaftGroup} — commands, reads, membership changes, leadership transfers — and what
 * followers forward to it. Each request enters as an event on the group's loop and its loop-confined state (the
 * waiting reads) lives here; results reach the user through {@link Callbacks}.
 */
final class ClientRequests {

    private interface ReadWaiter {
        void ready(long readIndex);

        void failed(RuntimeException cause);
    }

    private final RaftGroup group;

    // Loop-confined.
    private final Map<Long, ReadWaiter> reads = new HashMap<>();
    private long nextReadId;

    /**
     * Commands and reads from this process that arrived while no leader was known, each within its request timeout
     * (its timer fails it there); retried in arrival order once a leader is known. Loop-confined.
     */
    private final ArrayDeque<LeaderWait> waitingForLeader = new ArrayDeque<>();

    ClientRequests(RaftGroup group) {
        this.group = group;
    }

    // ------------------------------------------------------------ commands

    /** Proposes an encoded {@link CommandEnvelope}; completes (through the callbacks) once applied here. */
    CompletableFuture<byte[]> submit(byte[] envelope) {
        CompletableFuture<PendingProposals.AppliedResult> applied = new CompletableFuture<>();
        CompletableFuture<byte[]> user = new CompletableFuture<>();
        long started = group.scheduler.nanoTime();
        applied.whenComplete((r, e) -> group.callbacks.deliver(() -> {
            if (e == null) {
                group.metrics.commandLatency(group.scheduler.nanoTime() - started);
            }
            // Passed on as they are: each failure already says whether the command may have taken effect (the
            // loop's timeouts, refusals and forwards; r.failure() is the session table's refusal, certain).
            if (e != null) {
                user.completeExceptionally(Callbacks.unwrap(e));
            } else if (r.failure() != null) {
                user.completeExceptionally(r.failure());
            } else {
                user.complete(r.result());
            }
        }));
        withTimeout(applied, "command");
        group.loop.execute(() -> propose(envelope, applied, group.settings.options().forwardToLeader()));
        return user;
    }

    private void propose(byte[] envelope, CompletableFuture<PendingProposals.AppliedResult> out, boolean mayForward) {
        if (group.rejectIfStopped(out)) {
            return;
        }
        PendingProposals proposals = group.proposals;
        if (group.protocol.role() == Role.LEADER) {
            if (proposals.count() >= group.settings.options().maxPendingProposals()
                    || proposals.bytes() + envelope.length > group.settings.options().maxPendingBytes()) {
                group.metrics.proposalRejected("overloaded");
                // Certain: refused before protocol.propose, so it is in no log.
                out.completeExceptionally(new OverloadedException("server " + group.id + " has " + proposals.count()
                        + " proposals (" + proposals.bytes() + " bytes) waiting to be applied; limits are "
                        + group.settings.options().maxPendingProposals() + " and " + group.settings.options().maxPendingBytes() + " bytes"));
                return;
            }
            ProposeResult r = group.protocol.propose(CommandEnvelope.stamp(envelope,
                    group.scheduler.currentTimeMillis()));
            if (!r.accepted()) {
                // Certain: refused while leadership moves to r.leaderHint() (thesis §3.10), never appended.
                group.metrics.proposalRejected("transferring");
                out.completeExceptionally(new NotLeaderException(group.id, r.leaderHint(),
                        r.leaderHint() == null ? null : group.members.addressOf(r.leaderHint())));
                return;
            }
            group.metrics.proposed();
            proposals.add(r.index(), r.term(), envelope.length, out);
            group.scheduleReady();
            return;
        }
        String leader = group.protocol.leaderId();
        if (!group.isMember()) {
            group.metrics.proposalRejected("not_member");
            out.completeExceptionally(group.notMember()); // certain: neither appended nor forwarded
            return;
        }
        if (mayForward && leader == null) {
            // At start or during an election: wait for a leader within the request timeout rather than fail at
            // once (a caller could only retry). Certain until then: neither appended nor forwarded.
            waitForLeader(() -> {
                if (!out.isDone()) { // timed out while waiting: never proposed
                    propose(envelope, out, true);
                }
            }, out::completeExceptionally);
            return;
        }
        if (!mayForward || leader == null) {
            group.metrics.proposalRejected("not_leader");
            out.completeExceptionally(group.notLeader()); // certain: neither appended nor forwarded
            return;
        }
        group.transport.forward(leader, new ForwardRequest.Submit(envelope)).whenComplete((resp, e) -> {
            if (e != null) {
                out.completeExceptionally(group.forwards.commandNotForwarded(leader, e)); // unknown unless never sent
            } else if (resp instanceof ForwardResponse.Applied applied) {
                // Complete once this server has applied it too, so a read here afterwards sees it.
                group.applier.whenApplied(applied.index(), () -> out.complete(
                        new PendingProposals.AppliedResult(applied.index(), applied.result(), null)));
            } else {
                out.completeExceptionally(group.forwards.fromLeader(resp)); // as certain as the leader says
            }
        });
    }

    // ------------------------------------------------------------ reads

    /** Runs a read (ReadIndex or lease, thesis §6.4, §6.4.1, or stale); completes with the query's answer. */
    CompletableFuture<byte[]> query(byte[] query, ReadMode mode) {
        CompletableFuture<byte[]> answered = new CompletableFuture<>();
        withTimeout(answered, "query");
        long started = group.scheduler.nanoTime();
        answered.whenComplete((r, e) -> {
            if (e == null) {
                group.metrics.readLatency(group.scheduler.nanoTime() - started);
            }
        });
        group.loop.execute(() -> {
            if (group.rejectIfStopped(answered)) {
                return;
            }
            // The query runs on the apply thread once the read index is applied, and completes there.
            LongConsumer serve = readIndex -> group.applier.whenApplied(readIndex, () -> {
                try {
                    answered.complete(group.applier.query(query));
                } catch (RuntimeException e) {
                    answered.completeExceptionally(e);
                }
            });
            switch (mode) {
                case STALE_LOCAL -> serve.accept(0);
                case LEASE -> readIndex(serve, answered::completeExceptionally, group.settings.options().forwardToLeader(), true);
                default -> readIndex(serve, answered::completeExceptionally, group.settings.options().forwardToLeader(), false);
            }
        });
        return group.callbacks.delivered(answered);
    }

    private void readIndex(LongConsumer ready, Consumer<RuntimeException> failed, boolean mayForward, boolean lease) {
        long readId = ++nextReadId;
        if (lease ? group.protocol.readWithLease(readId) : group.protocol.read(readId)) {
            reads.put(readId, new ReadWaiter() {
                @Override
                public void ready(long readIndex) {
                    ready.accept(readIndex);
                }

                @Override
                public void failed(RuntimeException cause) {
                    failed.accept(cause);
                }
            });
            group.scheduleReady();
            return;
        }
        String leader = group.protocol.leaderId();
        if (!group.isMember()) {
            failed.accept(group.notMember());
            return;
        }
        if (mayForward && leader == null) {
            waitForLeader(() -> readIndex(ready, failed, true, lease), failed);
            return;
        }
        if (!mayForward || leader == null) {
            failed.accept(group.notLeader());
            return;
        }
        // Thesis §6.4: a follower asks the leader for a read index, then serves the read locally.
        group.transport.forward(leader, new ForwardRequest.ReadIndex()).whenComplete((resp, e) -> {
            if (e != null) {
                failed.accept(new RaftException("could not reach leader " + leader + " for a read index: "
                        + e.getMessage(), e));
            } else if (resp instanceof ForwardResponse.ReadIndex ri) {
                ready.accept(ri.readIndex());
            } else {
                failed.accept(group.forwards.fromLeader(resp));
            }
        });
    }

    /** Loop: the protocol confirmed read {@code readId} at {@code readIndex}. */
    void readReady(long readId, long readIndex) {
        ReadWaiter w = reads.remove(readId);
        if (w != null) {
            w.ready(readIndex);
        }
    }

    /** Loop: read {@code readId} can no longer be confirmed (leadership was lost). */
    void readFailed(long readId, RuntimeException cause) {
        ReadWaiter w = reads.remove(readId);
        if (w != null) {
            w.failed(cause);
        }
    }

    /** Loop: the group stops; every waiting read fails. */
    void failAll(RuntimeException cause) {
        List<ReadWaiter> waiting = new ArrayList<>(reads.values());
        reads.clear();
        waiting.forEach(w -> w.failed(cause));
        List<LeaderWait> noLeader = new ArrayList<>(waitingForLeader);
        waitingForLeader.clear();
        noLeader.forEach(w -> w.fail().accept(cause));
    }

    // ------------------------------------------------------------ waiting for a leader

    /** A command or read that arrived while this server knew no leader: how to go on, how to fail, and until when. */
    private record LeaderWait(Runnable retry, Consumer<RuntimeException> fail, long giveUpAtNanos) {
    }

    private void waitForLeader(Runnable retry, Consumer<RuntimeException> fail) {
        // Given up two ticks before the request's own timer fires, so that the refusal is the certain one (never
        // proposed, never forwarded: NotLeaderException), not a timeout that cannot say whether it took effect.
        long wait = group.settings.options().requestTimeout().toNanos() - 2 * group.settings.options().tick().toNanos();
        waitingForLeader.add(new LeaderWait(retry, fail, group.scheduler.nanoTime() + Math.max(0, wait)));
    }

    /**
     * Loop, after every Ready (ticks included): once a leader is known, what waited for one goes its way (proposed
     * here, or forwarded); while none is, what has waited its time is refused — certain, it went nowhere.
     */
    void leaderMaybeKnown() {
        if (waitingForLeader.isEmpty()) {
            return;
        }
        if (group.protocol.leaderId() != null) {
            List<LeaderWait> ready = new ArrayList<>(waitingForLeader);
            waitingForLeader.clear();
            ready.forEach(w -> w.retry().run());
            return;
        }
        long now = group.scheduler.nanoTime();
        while (!waitingForLeader.isEmpty() && now - waitingForLeader.peekFirst().giveUpAtNanos() >= 0) {
            waitingForLeader.pollFirst().fail().accept(group.notLeader());
        }
    }

    // ------------------------------------------------------------ forwarded by followers (transport threads)

    CompletableFuture<ForwardResponse> onForward(ForwardRequest request) {
        CompletableFuture<ForwardResponse> response = new CompletableFuture<>();
        if (request instanceof ForwardRequest.Submit submit) {
            CompletableFuture<PendingProposals.AppliedResult> out = new CompletableFuture<>();
            withTimeout(out, "forwarded command");
            // Never forward again: a follower that believes we lead must hear the truth, not loop.
            group.loop.execute(() -> propose(submit.command(), out, false));
            out.whenComplete((r, e) -> response.complete(e != null ? ForwardOutcomes.toLeaderAnswer(e)
                    : r.failure() != null ? ForwardOutcomes.toLeaderAnswer(r.failure())
                    : new ForwardResponse.Applied(r.index(), r.result())));
        } else if (request instanceof ForwardRequest.ReadIndex) {
            group.loop.execute(() -> {
                if (group.closed()) {
                    response.complete(ForwardOutcomes.toLeaderAnswer(group.stopped()));
                    return;
                }
                readIndex(readIndex -> response.complete(new ForwardResponse.ReadIndex(readIndex)),
                        e -> response.complete(ForwardOutcomes.toLeaderAnswer(e)), false, false);
            });
        } else {
            response.complete(new ForwardResponse.Failed(ForwardResponse.Reason.INTERNAL, null,
                    "unknown request " + request.getClass().getSimpleName()));
        }
        return response;
    }

    // ------------------------------------------------------------ remote clients (transport threads)

    /**
     * Takes a batch of remote clients' requests in one loop task, in their order, so that a batch read from a
     * socket becomes one Ready: one append, one AppendEntries per follower. Commands are not forwarded: a client
     * that reached a follower is told who leads (a redirect keeps one session's commands on one path, in order).
     */
    void onClientCalls(List<? extends ClientCall> calls) {
        group.loop.execute(() -> {
            for (ClientCall call : calls) {
                serve(call);
            }
        });
    }

    private void serve(ClientCall call) {
        ClientRequest request = call.request();
        if (request instanceof ClientRequest.Command c) {
            proposeFor(call, CommandEnvelope.ordered(c.sessionId(), c.seq(), c.ackedThrough(), c.command()).encode());
        } else if (request instanceof ClientRequest.OpenSession) {
            proposeFor(call, CommandEnvelope.openSession().encode());
        } else if (request instanceof ClientRequest.Query q) {
            // Runs on the loop already; query() queues one more task, harmless for reads.
            query(q.query(), q.mode()).whenComplete((r, e) -> call.reply(e != null
                    ? ForwardOutcomes.toLeaderAnswer(e) : new ForwardResponse.Applied(0, r)));
        } else {
            call.reply(new ForwardResponse.Failed(ForwardResponse.Reason.INTERNAL, null,
                    "unknown client request " + request.getClass().getSimpleName(), true));
        }
    }

    /**
     * No timer per request, unlike an embedded submit: the remote client keeps the deadline (and sends the command
     * elsewhere when it passes). A proposal here is answered once its index commits — applied, or refused as
     * replaced by another leader's entry — or when the server stops; pending proposals are bounded
     * ({@code maxPendingProposals}), and so is what one connection may leave unanswered.
     */
    private void proposeFor(ClientCall call, byte[] envelope) {
        CompletableFuture<PendingProposals.AppliedResult> out = new CompletableFuture<>();
        out.whenComplete((r, e) -> call.reply(e != null ? ForwardOutcomes.toLeaderAnswer(e)
                : r.failure() != null ? ForwardOutcomes.toLeaderAnswer(r.failure())
                : new ForwardResponse.Applied(r.index(), r.result())));
        propose(envelope, out, false);
    }

    // ------------------------------------------------------------ membership (thesis chapter 4, §3.10)

    /** Completes with the final configuration once the change is committed; only the leader accepts. */
    CompletableFuture<ClusterConfiguration> changeMembership(UnaryOperator<ClusterConfiguration> edit) {
        CompletableFuture<ClusterConfiguration> out = new CompletableFuture<>();
        withTimeout(out, "membership change");
        group.loop.execute(() -> changeOnLoop(edit, out));
        return out;
    }

    private void changeOnLoop(UnaryOperator<ClusterConfiguration> edit, CompletableFuture<ClusterConfiguration> out) {
        if (group.rejectIfStopped(out)) {
            return;
        }
        if (group.protocol.role() != Role.LEADER) {
            out.completeExceptionally(group.notLeader());
            return;
        }
        try {
            ProposeResult r = group.protocol.changeConfiguration(edit.apply(group.protocol.configuration()));
            if (!r.accepted()) {
                out.completeExceptionally(new NotLeaderException(group.id, r.leaderHint(),
                        r.leaderHint() == null ? null : group.settings.addresses().get(r.leaderHint())));
                return;
            }
            group.membership.change(r.index(), r.term(), out);
        } catch (IllegalArgumentException | IllegalStateException refused) {
            out.completeExceptionally(refused);
            return;
        }
        group.scheduleReady();
    }

    /**
     * Adds {@code server} as a learner, waits until it has caught up with the leader's commitIndex (within one
     * round of the log, thesis §4.2.1), then promotes it; each phase fails after the request timeout. A server
     * this call added as a learner that never catches up is removed again (the change aborts); one that was a
     * learner before stays one.
     */
    CompletableFuture<ClusterConfiguration> addVoter(String server, String address) {
        CompletableFuture<ClusterConfiguration> out = new CompletableFuture<>();
        group.loop.execute(() -> {
            if (group.rejectIfStopped(out)) {
                return;
            }
            ClusterConfiguration c = group.protocol.configuration();
            if (c.voters().contains(server)) {
                out.completeExceptionally(new IllegalArgumentException("server " + server + " is already a voter"));
                return;
            }
            boolean addedHere = !(c.learners().contains(server) && group.protocol.configurationCommitted()
                    && !c.isJoint());
            CompletableFuture<ClusterConfiguration> asLearner = addedHere
                    ? changeMembership(cfg -> Membership.withLearner(cfg, server, address))
                    : CompletableFuture.completedFuture(c);
            asLearner.thenCompose(ignored -> {
                CompletableFuture<Void> caughtUp = new CompletableFuture<>();
                withTimeout(caughtUp, "catching up " + server + (addedHere
                        ? " (the change is aborted: it is removed again)" : " (it stays a learner, as it was)"));
                group.loop.execute(() -> {
                    group.membership.catchUp(server, caughtUp);
                    group.scheduleReady();
                });
                // A server that never catches up must not linger as a learner this call added (the change
                // aborts): take it out again, then report the timeout.
                return addedHere ? caughtUp.exceptionallyCompose(e -> changeMembership(
                        cfg -> Membership.without(cfg, server)).handle((r, e2) -> null)
                        .thenCompose(x -> CompletableFuture.failedFuture(e))) : caughtUp;
            }).thenCompose(ignored -> changeMembership(cfg -> Membership.promoted(cfg, server)))
                    .whenComplete((cfg, e) -> {
                        if (e != null) {
                            out.completeExceptionally(e instanceof CompletionException && e.getCause() != null
                                    ? e.getCause() : e);
                        } else {
                            out.complete(cfg);
                        }
                    });
        });
        return out;
    }

    /** Hands leadership to {@code target} (thesis §3.10); completes once it leads a later term. */
    CompletableFuture<Void> transferLeadership(String target) {
        CompletableFuture<Void> out = new CompletableFuture<>();
        withTimeout(out, "leadership transfer");
        group.loop.execute(() -> {
            if (group.rejectIfStopped(out)) {
                return;
            }
            try {
                if (!group.protocol.transferLeadership(target)) {
                    out.completeExceptionally(group.notLeader());
                    return;
                }
            } catch (IllegalArgumentException | IllegalStateException refused) {
                out.completeExceptionally(refused);
                return;
            }
            group.membership.transfer(target, group.protocol.currentTerm(), out);
            group.scheduleReady();
        });
        return out;
    }

    /**
     * Always of unknown outcome ({@link RaftTimeoutException}): the timer starts before the request reaches the
     * raft loop, so a command may be appended — and committed — after it fired.
     */
    private <T> void withTimeout(CompletableFuture<T> future, String what) {
        long timeout = group.settings.options().requestTimeout().toNanos();
        RaftScheduler.Cancellable timer = group.scheduler.schedule(Runnable::run, () -> future.completeExceptionally(
                new RaftTimeoutException(what + " not decided within " + timeout / 1_000_000 + " ms on server "
                        + group.id)), timeout);
        future.whenComplete((r, e) -> timer.cancel());
    }
}
