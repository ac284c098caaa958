package io.keelraft.core.protocol;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Linearizable reads by ReadIndex (thesis §6.4). A read may be served once (1) the leader has committed an
 * entry of its term, so its commitIndex is at least that of any earlier leader, (2) it records commitIndex as
 * the read index, and (3) a majority acknowledged a heartbeat round sent after the read arrived, so no newer
 * leader existed at that moment. Reads that arrive between two rounds share the next round.
 */
final class ReadIndexQueue {

    private record PendingRead(long requestId, long readIndex, long seq) {
    }

    /** Reads waiting for the leader's first commit in its term; they have no read index yet. */
    private final List<Long> awaitingTermCommit = new ArrayList<>();
    private final ArrayDeque<PendingRead> awaitingQuorum = new ArrayDeque<>();
    /** The current confirmation round; every AppendEntries carries it. */
    private long seq;
    /** The tick at which each unconfirmed round started (its heartbeats left then or later). */
    private final java.util.TreeMap<Long, Long> roundStartTick = new java.util.TreeMap<>();
    /** A read joined the current round and its heartbeats have not gone out yet. */
    private boolean roundNeedsBroadcast;

    long seq() {
        return seq;
    }

    /** Queues a read until the leader has committed an entry in its term. */
    void awaitTermCommit(long requestId) {
        awaitingTermCommit.add(requestId);
    }

    /** Registers a read at {@code readIndex}; it is confirmed by the next round. */
    void add(long requestId, long readIndex, long nowTick) {
        if (!roundNeedsBroadcast) {
            seq++;
            roundStartTick.put(seq, nowTick);
            roundNeedsBroadcast = true;
        }
        awaitingQuorum.add(new PendingRead(requestId, readIndex, seq));
    }

    /** Starts a round for a periodic heartbeat (it renews the leader's lease). */
    void newRound(long nowTick) {
        seq++;
        roundStartTick.put(seq, nowTick);
        roundNeedsBroadcast = false;
    }

    /** Gives the reads that waited for a commit in the leader's term their read index. */
    void termCommitted(long commitIndex, long nowTick) {
        for (long id : awaitingTermCommit) {
            add(id, commitIndex, nowTick);
        }
        awaitingTermCommit.clear();
    }

    /** True when the current round's heartbeats have not gone out yet. */
    boolean broadcastNeeded() {
        return roundNeedsBroadcast;
    }

    /** True once: the current round needs heartbeats sent. */
    boolean takeBroadcastNeeded() {
        boolean needed = roundNeedsBroadcast;
        roundNeedsBroadcast = false;
        return needed;
    }

    /**
     * Reads whose round a majority has acknowledged ({@code confirmedSeq}) are now safe.
     *
     * @return the tick at which the confirmed round started (a majority heard from this leader since), or
     *         {@link Long#MIN_VALUE} when no new round was confirmed
     */
    long confirmed(long confirmedSeq, List<ReadState> out) {
        while (!awaitingQuorum.isEmpty() && awaitingQuorum.peekFirst().seq() <= confirmedSeq) {
            PendingRead r = awaitingQuorum.pollFirst();
            out.add(new ReadState(r.requestId(), r.readIndex()));
        }
        Long started = roundStartTick.get(confirmedSeq);
        roundStartTick.headMap(confirmedSeq, true).clear();
        return started == null ? Long.MIN_VALUE : started;
    }

    /** Leadership is lost: every pending read fails. */
    void abortAll(List<Long> out) {
        out.addAll(awaitingTermCommit);
        awaitingTermCommit.clear();
        for (PendingRead r : awaitingQuorum) {
            out.add(r.requestId());
        }
        awaitingQuorum.clear();
        roundNeedsBroadcast = false;
    }
}
