package io.keelraft.core.protocol;

import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.Role;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The follower (paper Figure 2, "Followers"): it answers the leader's AppendEntries (paper §5.3) and
 * InstallSnapshot (paper Figure 13), votes, and campaigns when the election timer runs out or the leader hands
 * it leadership with TimeoutNow (thesis §3.10). The AppendEntries and InstallSnapshot receivers also serve a
 * candidate that learns of the term's leader: it becomes a follower first.
 */
final class Follower implements RoleStep {

    private static final Logger LOG = LoggerFactory.getLogger(RaftProtocol.class);

    private final RaftState s;
    private final RaftProtocol raft;

    Follower(RaftState s, RaftProtocol raft) {
        this.s = s;
        this.raft = raft;
    }

    /**
     * Becomes a follower in {@code term} (which may be the current one) of {@code leader} (null: unknown). A
     * leader stepping down drops its leader state and fails its pending reads (thesis §6.4).
     */
    void become(long term, String leader) {
        boolean wasLeader = s.role == Role.LEADER;
        if (term > s.currentTerm) {
            s.currentTerm = term;
            s.votedFor = null;
        }
        s.role = Role.FOLLOWER;
        s.leaderId = leader;
        raft.candidate.forgetVotes();
        raft.transfer.reset();
        s.resetElectionTimer();
        if (wasLeader) {
            LOG.info("{} steps down in term {}", s.id, s.currentTerm);
            raft.leader.steppedDown();
        }
    }

    @Override
    public void tick() {
        raft.candidate.tickElectionTimer();
    }

    @Override
    public void step(Message m) {
        if (m instanceof Message.RequestVote rv) {
            raft.candidate.answer(rv);
        } else if (m instanceof Message.AppendEntries ae) {
            heardFromLeader(ae.from());
            appendEntries(ae);
        } else if (m instanceof Message.InstallSnapshot is) {
            heardFromLeader(is.from());
            installSnapshot(is);
        } else if (m instanceof Message.TimeoutNow tn) {
            timeoutNow(tn);
        }
        // A RequestVoteResponse is late (the election is over) and an AppendEntriesResponse is for a leader.
    }

    private void heardFromLeader(String leader) {
        s.leaderId = leader;
        s.electionElapsed = 0;
    }

    /** Thesis §3.10: the leader handed leadership to this server; campaign now, skipping PreVote. */
    void timeoutNow(Message.TimeoutNow tn) {
        if (!s.promotable()) {
            return;
        }
        LOG.info("{} received TimeoutNow from {} in term {}", s.id, tn.from(), s.currentTerm);
        raft.candidate.becomeCandidate(true);
    }

    /** The AppendEntries receiver (paper Figure 2), with fast backtracking hints on a mismatch (paper §5.3). */
    void appendEntries(Message.AppendEntries ae) {
        if (ae.prevLogIndex() < s.log.commitIndex()) {
            // Everything through commitIndex matches the leader already (Leader Completeness).
            respondAppend(ae, true, s.log.commitIndex(), 0, 0);
            return;
        }
        if (!s.log.matchTerm(ae.prevLogIndex(), ae.prevLogTerm())) {
            // Paper §5.3 consistency check failed; tell the leader where our log diverges.
            if (ae.prevLogIndex() > s.log.lastIndex()) {
                respondAppend(ae, false, 0, 0, s.log.lastIndex() + 1);
            } else {
                long conflictTerm = s.log.term(ae.prevLogIndex());
                respondAppend(ae, false, 0, conflictTerm, s.log.firstIndexOfTerm(conflictTerm, ae.prevLogIndex()));
            }
            return;
        }
        appendFromLeader(ae.entries());
        long lastNew = ae.lastIndex();
        if (ae.leaderCommit() > s.log.commitIndex()) {
            // Paper Figure 2: commitIndex = min(leaderCommit, index of last new entry).
            commitTo(Math.min(ae.leaderCommit(), lastNew));
        }
        respondAppend(ae, true, lastNew, 0, 0);
    }

    /** Paper Figure 13 (InstallSnapshot receiver): the driver has the snapshot's bytes durable already. */
    void installSnapshot(Message.InstallSnapshot is) {
        SnapshotMeta snapshot = is.snapshot();
        long matched;
        if (snapshot.index() <= s.log.commitIndex()) {
            matched = s.log.commitIndex(); // nothing new: everything it covers is committed here already
        } else if (s.log.matchTerm(snapshot.index(), snapshot.term())) {
            // Rule 6: the log holds the snapshot's last entry, so it already holds what the snapshot covers.
            commitTo(snapshot.index());
            matched = snapshot.index();
        } else {
            // Rule 7: discard the whole log; the snapshot's state replaces it.
            dropAcknowledgementsFrom(s.log.commitIndex() + 1);
            s.log.restore(snapshot.index(), snapshot.term());
            s.configurations.reset(snapshot.index(), snapshot.configuration());
            s.snapshotToRestore = snapshot;
            s.latestSnapshot = snapshot;
            matched = snapshot.index();
        }
        s.sendAfterPersist(new Message.AppendEntriesResponse(s.currentTerm, s.id, is.from(), true, matched, 0, 0, 0,
                0));
    }

    /** Stores the leader's entries, skipping those already held and truncating only at a real conflict. */
    private void appendFromLeader(List<LogEntry> entries) {
        int skip = 0;
        while (skip < entries.size() && s.log.matchTerm(entries.get(skip).index(), entries.get(skip).term())) {
            skip++;
        }
        if (skip == entries.size()) {
            return;
        }
        List<LogEntry> fresh = entries.subList(skip, entries.size());
        if (fresh.get(0).index() <= s.log.lastIndex()) {
            dropAcknowledgementsFrom(fresh.get(0).index());
            s.configurations.truncatedFrom(fresh.get(0).index());
            s.log.truncateAndAppend(fresh);
        } else {
            s.log.append(fresh);
        }
        s.configurations.appended(fresh);
    }

    /**
     * The log is about to lose its entries from {@code index} on (a newer leader's entries or snapshot replace them):
     * acknowledgements of them that still wait to be persisted must never leave. Stepped in the same batch as the
     * replacement, they would leave once the replacing entries are durable, and an outdated leader could count a
     * server that no longer stores what it acknowledged towards committing an entry no majority holds (paper §5.3: a
     * follower acknowledges only entries it stores; dropping a message is always safe).
     */
    private void dropAcknowledgementsFrom(long index) {
        // A rejection carries matchIndex 0, so only successes can name an index at or past the replaced ones.
        s.messagesAfterPersist.removeIf(m -> m instanceof Message.AppendEntriesResponse r && r.matchIndex() >= index);
    }

    /**
     * Advances commitIndex to what the leader says is committed. A configuration that becomes committed
     * supersedes the earlier ones (thesis §4.1); a follower keeps no replication progress to resynchronise.
     */
    private void commitTo(long index) {
        s.log.commitTo(index);
        s.configurations.committed(s.log.commitIndex());
    }

    private void respondAppend(Message.AppendEntries ae, boolean success, long matchIndex, long conflictTerm,
                               long conflictIndex) {
        // After persist: a success acknowledges entries that must survive a crash of this server.
        s.sendAfterPersist(new Message.AppendEntriesResponse(s.currentTerm, s.id, ae.from(), success, matchIndex,
                success ? 0 : ae.prevLogIndex(), conflictTerm, conflictIndex, ae.readSeq()));
    }
}
