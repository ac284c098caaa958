package io.keelraft.core.protocol;

/**
 * The leader's linearizable reads: ReadIndex (thesis §6.4), whose queue and rounds are {@link ReadIndexQueue}'s,
 * and the lease (thesis §6.4.1), which a majority's acknowledgement of a heartbeat round renews.
 */
final class Reads {

    private final RaftState s;
    private final RaftProtocol raft;
    /** A fresh queue for each term this server leads: read rounds are numbered per leader. */
    private ReadIndexQueue queue = new ReadIndexQueue();
    /** Leader: the start tick of the latest heartbeat round a majority acknowledged (thesis §6.4.1 lease). */
    private long leaseStartTick = Long.MIN_VALUE;

    Reads(RaftState s, RaftProtocol raft) {
        this.s = s;
        this.raft = raft;
    }

    /** A new leader: no read is pending, and it holds no lease yet. */
    void reset() {
        queue = new ReadIndexQueue();
        leaseStartTick = Long.MIN_VALUE;
    }

    /** Starts a ReadIndex read (thesis §6.4); the caller checked that this server leads. */
    void readIndex(long requestId) {
        if (s.log.term(s.log.commitIndex()) != s.currentTerm) {
            // Thesis §6.4 step 1: until an entry of this term commits, commitIndex may lag the previous leader's.
            queue.awaitTermCommit(requestId);
        } else {
            queue.add(requestId, s.log.commitIndex(), s.ticks);
            confirm();
        }
    }

    /**
     * Serves a read at once under a valid lease (thesis §6.4.1), else starts a ReadIndex read. The lease holds
     * only with CheckQuorum (followers then refuse votes while they hear from this leader), and not once a
     * TimeoutNow left: voters answer the transferee even while they hear from this leader.
     */
    void readWithLease(long requestId) {
        long leaseTicks = s.config.electionTimeoutTicks() * 9L / 10;
        boolean leaseValid = s.config.checkQuorum() && !raft.transfer.timeoutNowSent()
                && leaseStartTick != Long.MIN_VALUE && s.ticks - leaseStartTick < leaseTicks;
        if (leaseValid && s.log.term(s.log.commitIndex()) == s.currentTerm) {
            s.readStates.add(new ReadState(requestId, s.log.commitIndex()));
            return;
        }
        readIndex(requestId);
    }

    /** The current confirmation round; every AppendEntries carries it. */
    long seq() {
        return queue.seq();
    }

    /** A periodic heartbeat round starts: it can confirm reads and renew the lease. */
    void newRound() {
        queue.newRound(s.ticks);
    }

    /** True when the current round's heartbeats have not gone out yet. */
    boolean broadcastNeeded() {
        return queue.broadcastNeeded();
    }

    /** True once: the current round needs heartbeats sent. */
    boolean takeBroadcastNeeded() {
        return queue.takeBroadcastNeeded();
    }

    /** A follower answered an AppendEntries of round {@code readSeq}. */
    void acknowledged(ReplicationProgress pr, long readSeq) {
        if (readSeq <= queue.seq()) {
            pr.ackReadSeq(readSeq);
            confirm();
        }
    }

    /** An entry of this term committed at {@code commitIndex}: reads that waited for it get a read index. */
    void termCommitted(long commitIndex) {
        queue.termCommitted(commitIndex, s.ticks);
        confirm();
    }

    /** Leadership is lost: every pending read fails. */
    void abortAll() {
        queue.abortAll(s.abortedReads);
    }

    /** Serves the reads of every round a majority acknowledged, and renews the lease from its start. */
    private void confirm() {
        long confirmed = Quorum.agreedValue(s.configurations.active(),
                v -> v.equals(s.id) ? queue.seq() : raft.replication.ackedReadSeq(v));
        leaseStartTick = Math.max(leaseStartTick, queue.confirmed(confirmed, s.readStates));
    }
}
