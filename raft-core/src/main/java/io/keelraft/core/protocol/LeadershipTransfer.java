package io.keelraft.core.protocol;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leadership transfer (thesis §3.10), the leader's side: proposals wait, the target is brought up to the last
 * entry, then it gets a TimeoutNow and campaigns at once. The transfer aborts after an election timeout. A leader
 * that leaves the configuration hands over the same way (thesis §4.2.2, see {@link ConfigurationChange}).
 */
final class LeadershipTransfer {

    private static final Logger LOG = LoggerFactory.getLogger(RaftProtocol.class);

    private final RaftState s;
    private final RaftProtocol raft;
    /**
     * Leader: the server leadership is being handed to, or null; always a voter of the configuration in force.
     * Proposals wait meanwhile.
     */
    private String leadTransferee;
    /** Leader ticks since the transfer started; it aborts after an election timeout. */
    private int transferElapsed;
    /**
     * Leader: a TimeoutNow left in this term. Voters answer the transferee's RequestVote even while they hear
     * from this leader, so from then on this leader can no longer rely on its lease for reads.
     */
    private boolean timeoutNowSent;

    LeadershipTransfer(RaftState s, RaftProtocol raft) {
        this.s = s;
        this.raft = raft;
    }

    /** A new role: no transfer, and no TimeoutNow sent in it. */
    void reset() {
        leadTransferee = null;
        timeoutNowSent = false;
    }

    boolean inProgress() {
        return leadTransferee != null;
    }

    String transferee() {
        return leadTransferee;
    }

    boolean timeoutNowSent() {
        return timeoutNowSent;
    }

    /** See {@link RaftProtocol#transferLeadership}. */
    boolean transferLeadership(String target) {
        ClusterConfiguration active = s.configurations.active();
        if (target.equals(s.id)) {
            throw new IllegalArgumentException("cannot transfer leadership to " + s.id + " itself");
        }
        if (!active.members().contains(target)) {
            throw new IllegalArgumentException("unknown server " + target + ": not in the configuration (voters "
                    + active.voters() + ", learners " + active.learners() + ")");
        }
        if (!active.voters().contains(target)) {
            throw new IllegalArgumentException("server " + target + " is not a voter of the configuration (voters "
                    + active.voters() + "); only a voter can become leader");
        }
        if (s.role != Role.LEADER) {
            return false;
        }
        if (leadTransferee != null) {
            if (leadTransferee.equals(target)) {
                return true;
            }
            throw new IllegalStateException("a leadership transfer to " + leadTransferee + " is in progress");
        }
        LOG.info("{} transfers leadership to {} in term {}", s.id, target, s.currentTerm);
        start(target);
        return true;
    }

    /** Thesis §3.10: stops taking proposals and sends TimeoutNow once {@code target} holds the last entry. */
    void start(String target) {
        leadTransferee = target;
        transferElapsed = 0;
        ReplicationProgress pr = raft.replication.progress(target);
        if (pr.matchIndex() == s.log.lastIndex()) {
            sendTimeoutNow(target);
        } else {
            // Catch it up first; its acknowledgement of the last entry triggers the TimeoutNow. Appends in flight
            // may have been lost, and waiting for the stall detection could outlast the transfer's timeout.
            pr.probeFromMatch();
            raft.replication.sendAppend(target, true);
        }
    }

    /** {@code peer} acknowledged entries through {@code pr}'s matchIndex: the target may be up to date now. */
    void acknowledged(String peer, ReplicationProgress pr) {
        if (peer.equals(leadTransferee) && pr.matchIndex() == s.log.lastIndex()) {
            sendTimeoutNow(peer); // thesis §3.10: the target is up to date
        }
    }

    /** A leader tick: a transfer that has not succeeded within an election timeout aborts. */
    void tick() {
        if (leadTransferee != null && ++transferElapsed >= s.config.electionTimeoutTicks()) {
            // Thesis §3.10: the target did not take over within an election timeout; resume normal operation.
            LOG.info("{} aborts the leadership transfer to {} in term {}", s.id, leadTransferee, s.currentTerm);
            leadTransferee = null;
            if (raft.membership.leaving()) {
                raft.membership.leave(null); // the successor never caught up: C_new elects a leader the ordinary way
            }
        }
    }

    /** The configuration in force changed: a target that is no longer a voter of it cannot take over. */
    void configurationChanged() {
        if (leadTransferee != null && !s.configurations.active().voters().contains(leadTransferee)) {
            leadTransferee = null;
        }
    }

    private void sendTimeoutNow(String target) {
        if (raft.membership.leaving()) {
            raft.membership.leave(target); // its part is done: it steps down without waiting for the target's election
            return;
        }
        timeoutNowSent = true;
        s.send(new Message.TimeoutNow(s.currentTerm, s.id, target));
    }
}
