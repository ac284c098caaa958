package io.keelraft.core.protocol;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elections (paper §5.2, §5.4.1; PreVote, thesis §9.6): the pre-candidate and candidate roles, which ask for
 * votes and count them, and the voter's side that every role shares — whom a server grants its vote.
 */
final class Candidate implements RoleStep {

    private static final Logger LOG = LoggerFactory.getLogger(RaftProtocol.class);

    private final RaftState s;
    private final RaftProtocol raft;
    /**
     * Who answered how in the current (pre-)election, this server included; empty in any other role. Only the
     * voters of the configuration in force are asked, and only they are counted.
     */
    private final Map<String, Boolean> votes = new TreeMap<>();

    Candidate(RaftState s, RaftProtocol raft) {
        this.s = s;
        this.raft = raft;
    }

    // ---------------------------------------------------------------- the (pre-)candidate

    /** Follower and (pre-)candidate: paper §5.2, an election timeout without a leader starts an election. */
    void tickElectionTimer() {
        // A server that votes in no configuration it knows of (a learner, a server being added, a removed server
        // that learned of its removal) never campaigns (thesis §4.2.1, §4.2.2).
        s.electionElapsed++;
        if (s.electionElapsed >= s.randomizedElectionTimeout && s.promotable()) {
            campaign();
        }
    }

    @Override
    public void tick() {
        tickElectionTimer();
    }

    @Override
    public void step(Message m) {
        if (m instanceof Message.RequestVote rv) {
            answer(rv);
        } else if (m instanceof Message.RequestVoteResponse r) {
            voteReceived(r);
        } else if (m instanceof Message.AppendEntries ae) {
            // Paper §5.2: an AppendEntries of this term comes from its leader, so the election is lost.
            raft.follower.become(s.currentTerm, ae.from());
            raft.follower.appendEntries(ae);
        } else if (m instanceof Message.InstallSnapshot is) {
            raft.follower.become(s.currentTerm, is.from());
            raft.follower.installSnapshot(is);
        } else if (m instanceof Message.TimeoutNow tn) {
            raft.follower.timeoutNow(tn);
        }
        // An AppendEntriesResponse is for a leader.
    }

    private void campaign() {
        if (s.config.preVote()) {
            becomePreCandidate();
        } else {
            becomeCandidate(false);
        }
    }

    private void becomePreCandidate() {
        s.role = Role.PRE_CANDIDATE;
        s.leaderId = null;
        startVoting(true, false);
    }

    /** @param transfer the leader handed over leadership (thesis §3.10): voters bypass the lease check */
    void becomeCandidate(boolean transfer) {
        s.currentTerm++;
        s.votedFor = s.id;
        s.role = Role.CANDIDATE;
        s.leaderId = null;
        LOG.debug("{} campaigns in term {}{}", s.id, s.currentTerm, transfer ? " (leadership transfer)" : "");
        startVoting(false, transfer);
    }

    private void startVoting(boolean preVote, boolean transfer) {
        s.resetElectionTimer();
        votes.clear();
        votes.put(s.id, true);
        if (countVotes()) {
            return;
        }
        long term = preVote ? s.currentTerm + 1 : s.currentTerm;
        ClusterConfiguration c = s.configurations.active();
        for (String voter : c.members()) {
            if (!voter.equals(s.id) && c.isVoter(voter)) {
                s.sendAfterPersist(new Message.RequestVote(term, s.id, voter, s.log.lastIndex(), s.log.lastTerm(),
                        preVote, transfer));
            }
        }
    }

    private void voteReceived(Message.RequestVoteResponse r) {
        boolean counts = (s.role == Role.PRE_CANDIDATE && r.preVote())
                || (s.role == Role.CANDIDATE && !r.preVote() && r.term() == s.currentTerm);
        // Only voters were asked. An answer from anyone else never counts, nor may it make a one-voter election look
        // like one won with another server's vote (countVotes waits for its own vote to be durable only then).
        if (counts && s.configurations.active().isVoter(r.from())) {
            votes.put(r.from(), r.granted());
            countVotes();
        }
    }

    /** Acts on the votes so far; returns true when the election was decided. */
    private boolean countVotes() {
        Quorum.Tally tally = tally();
        if (tally == Quorum.Tally.WON) {
            if (s.role == Role.PRE_CANDIDATE) {
                becomeCandidate(false);
            } else if (votes.size() == 1 && !ownVoteDurable()) {
                // Won by its own vote alone (a one-voter configuration): until this term and vote are durable a
                // crash could let this server lead the term again, or vote for another, with a different log.
                // hardStatePersisted makes it leader. (Other voters answer RequestVotes that left after persist.)
                LOG.debug("{} won term {} by its own vote; waiting for it to be durable", s.id, s.currentTerm);
            } else {
                raft.leader.become();
            }
            return true;
        }
        if (tally == Quorum.Tally.LOST) {
            raft.follower.become(s.currentTerm, null);
            return true;
        }
        return false;
    }

    /** The driver reported a hard state durable: a candidate that won by its own vote alone now leads. */
    void hardStatePersisted() {
        if (s.role == Role.CANDIDATE && ownVoteDurable() && Boolean.TRUE.equals(votes.get(s.id))
                && votes.size() == 1) {
            if (tally() == Quorum.Tally.WON) {
                raft.leader.become();
            }
        }
    }

    /** The votes so far, counted in the configuration in force (a joint one needs both majorities, §4.3). */
    private Quorum.Tally tally() {
        return Quorum.tally(s.configurations.active(), v -> Boolean.TRUE.equals(votes.get(v)),
                v -> Boolean.FALSE.equals(votes.get(v)));
    }

    private boolean ownVoteDurable() {
        return s.durableHardState.currentTerm() == s.currentTerm && s.id.equals(s.durableHardState.votedFor());
    }

    /** The election is over (this server leads or follows). */
    void forgetVotes() {
        votes.clear();
    }

    // ---------------------------------------------------------------- the voter, in every role

    /** Answers a RequestVote of the current term, or a PreVote for the next one. */
    void answer(Message.RequestVote rv) {
        boolean canVote = rv.from().equals(s.votedFor)
                || (s.votedFor == null && s.leaderId == null)
                || (rv.preVote() && rv.term() > s.currentTerm);
        // Paper §5.4.1: only vote for a candidate whose log is at least as up-to-date as ours.
        boolean upToDate = s.log.isUpToDate(rv.lastLogIndex(), rv.lastLogTerm());
        // Whether this vote counts is the candidate's configuration's business: candidates ask and count only
        // their voters, so a learner's vote never decides anything. A server that is a learner in its own log
        // still answers, as it may have been promoted by an entry it has not received yet (like etcd's raft):
        // refusing would leave a cluster whose promoted servers lag unable to elect anyone.
        boolean grant = canVote && upToDate;
        if (grant && !rv.preVote()) {
            s.votedFor = rv.from();
            s.electionElapsed = 0;
        }
        respondVote(rv, grant);
    }

    void respondVote(Message.RequestVote rv, boolean grant) {
        // A granted pre-vote answers in the term asked about, so the pre-candidate can count it (thesis §9.6).
        long term = grant && rv.preVote() ? rv.term() : s.currentTerm;
        s.sendAfterPersist(new Message.RequestVoteResponse(term, s.id, rv.from(), grant, rv.preVote()));
    }
}
