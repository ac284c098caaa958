package io.keelraft.core.protocol;

import io.keelraft.core.Role;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader (paper Figure 2, "Leaders"): it appends client commands, answers AppendEntries responses, advances
 * commitIndex by the Figure 8 rule, and on each tick sends heartbeats, checks that a majority still hears it
 * (CheckQuorum, thesis §6.2) and that its own disk makes progress. How entries reach each follower is
 * {@link Replication}'s business; reads, leadership transfer and membership changes have classes of their own.
 */
final class Leader implements RoleStep {

    private static final Logger LOG = LoggerFactory.getLogger(RaftProtocol.class);

    private final RaftState s;
    private final RaftProtocol raft;
    /** Ticks since the last heartbeat round (paper §5.2). */
    private int heartbeatElapsed;
    /** Leader ticks during which its own writes were outstanding and none completed. */
    private int diskStalledTicks;
    private long durableIndexAtLastTick;

    Leader(RaftState s, RaftProtocol raft) {
        this.s = s;
        this.raft = raft;
    }

    /** Won the election of the current term (paper §5.2): leader state is reinitialized (paper Figure 2). */
    void become() {
        s.role = Role.LEADER;
        s.leaderId = s.id;
        raft.candidate.forgetVotes();
        s.electionElapsed = 0;
        heartbeatElapsed = 0;
        diskStalledTicks = 0;
        durableIndexAtLastTick = s.log.durableIndex();
        raft.reads.reset();
        raft.transfer.reset();
        raft.replication.reset();
        LOG.info("{} became leader in term {} (last index {})", s.id, s.currentTerm, s.log.lastIndex());
        // Paper §8 / thesis §6.4: a no-op of the new term lets earlier-term entries commit and reads proceed.
        // The very first entry of a new cluster also carries its id (ServerIdentity): committed by a majority, it
        // names the cluster for good, and every server applying it learns the id.
        byte[] payload = s.log.lastIndex() == 0 ? s.newClusterId : null;
        s.log.append(List.of(new LogEntry(s.log.lastIndex() + 1, s.currentTerm, EntryType.NO_OP, payload)));
        raft.replication.entriesAppended();
        maybeCommit();
    }

    /** Called by {@link Follower#become} when this leader steps down: leader state is volatile. */
    void steppedDown() {
        raft.replication.clear();
        raft.reads.abortAll();
    }

    /**
     * Appends a client command. The caller checked that this server leads; a transfer in progress refuses it.
     */
    ProposeResult propose(byte[] command) {
        if (raft.transfer.inProgress()) {
            return ProposeResult.transferring(raft.transfer.transferee());
        }
        LogEntry entry = new LogEntry(s.log.lastIndex() + 1, s.currentTerm, EntryType.COMMAND, command);
        s.log.append(entry);
        raft.replication.entriesAppended();
        return ProposeResult.accepted(entry.index(), entry.term());
    }

    @Override
    public void tick() {
        heartbeatElapsed++;
        s.electionElapsed++;
        if (s.electionElapsed >= s.config.electionTimeoutTicks()) {
            s.electionElapsed = 0;
            if (s.config.checkQuorum() && !raft.replication.quorumActive()) {
                // Thesis §6.2: a leader cut off from a majority steps down so clients find the real leader.
                LOG.info("{} lost contact with a majority in term {}", s.id, s.currentTerm);
                raft.follower.become(s.currentTerm, null);
                return;
            }
            raft.replication.forgetActivity();
        }
        raft.transfer.tick();
        if (s.role != Role.LEADER) {
            return; // the transfer of a leaving leader timed out, and it left
        }
        if (ownDiskStalled()) {
            // A leader that cannot make its own log durable still replicates, but it cannot count itself and its
            // fsync latency may be unbounded: hand leadership to a server with a working disk.
            LOG.warn("{} steps down: its own log writes made no progress for {} ticks", s.id, diskStalledTicks);
            raft.follower.become(s.currentTerm, null);
            return;
        }
        raft.replication.resendStalled();
        if (heartbeatElapsed >= s.config.heartbeatIntervalTicks()) {
            heartbeatElapsed = 0;
            raft.reads.newRound(); // each heartbeat round can confirm reads and renew the lease
            raft.replication.sendHeartbeats();
        }
    }

    private boolean ownDiskStalled() {
        long durable = s.log.durableIndex();
        if (!s.log.hasWritesOutstanding() || durable != durableIndexAtLastTick) {
            diskStalledTicks = 0;
            durableIndexAtLastTick = durable;
            return false;
        }
        return ++diskStalledTicks >= s.config.diskStallTicks();
    }

    @Override
    public void step(Message m) {
        if (m instanceof Message.RequestVote rv) {
            raft.candidate.answer(rv);
        } else if (m instanceof Message.AppendEntries || m instanceof Message.InstallSnapshot) {
            s.drop(m, "another leader claims the same term " + s.currentTerm);
        } else if (m instanceof Message.AppendEntriesResponse r) {
            appendEntriesResponse(r);
        }
        // A RequestVoteResponse is late (this server won), and a TimeoutNow is not for a leader.
    }

    private void appendEntriesResponse(Message.AppendEntriesResponse r) {
        ReplicationProgress pr = raft.replication.progress(r.from());
        if (pr == null) {
            return;
        }
        if (r.success() && r.matchIndex() > s.log.lastIndex()) {
            s.drop(r, "acknowledges index " + r.matchIndex() + " beyond the leader's last index "
                    + s.log.lastIndex());
            return;
        }
        if (!r.success() && r.rejectedIndex() > s.log.lastIndex()) {
            s.drop(r, "rejects prevLogIndex " + r.rejectedIndex() + ", which this leader never sent (last index "
                    + s.log.lastIndex() + ")");
            return;
        }
        pr.setRecentActive(true);
        raft.reads.acknowledged(pr, r.readSeq());
        if (r.success()) {
            if (pr.acknowledged(r.matchIndex())) {
                maybeCommit();
            }
            if (s.role != Role.LEADER) {
                return; // the commit completed a configuration this leader is not part of: it stepped down
            }
            raft.transfer.acknowledged(r.from(), pr);
            if (s.role != Role.LEADER) {
                return; // a leader leaving the configuration handed over and stepped down
            }
            raft.replication.sendAppends(r.from());
            raft.replication.announceCommitIfBehind(pr); // it acknowledged after the commit was announced
        } else if (pr.rejected(r.rejectedIndex(), nextIndexHint(r))) {
            raft.replication.sendAppend(r.from(), true);
        }
    }

    /**
     * Fast backtracking (paper §5.3): if the leader has entries of the follower's conflicting term, retry just
     * after its last one; otherwise skip the follower's whole run of that term.
     */
    private long nextIndexHint(Message.AppendEntriesResponse r) {
        if (r.conflictTerm() > 0) {
            long i = s.log.lastIndexWithTermAtMost(r.conflictTerm(), r.rejectedIndex());
            if (s.log.term(i) == r.conflictTerm()) {
                return i + 1;
            }
        }
        return Math.max(1, r.conflictIndex());
    }

    /**
     * Advances commitIndex to the highest index stored on a majority, if it is of the current term, and then
     * tells the followers with the next Ready.
     */
    void maybeCommit() {
        long agreed = Quorum.agreedValue(s.configurations.active(), raft.replication::matchIndexOf);
        if (agreed <= s.log.commitIndex()) {
            return;
        }
        // Figure 8: only entries of the current term are committed by counting replicas; earlier ones follow.
        if (s.log.term(agreed) != s.currentTerm) {
            return;
        }
        s.log.commitTo(agreed);
        if (s.configurations.committed(s.log.commitIndex())) {
            raft.replication.syncProgress();
        }
        raft.reads.termCommitted(agreed);
        raft.membership.commitAdvanced();
        raft.replication.announceCommit();
    }
}
