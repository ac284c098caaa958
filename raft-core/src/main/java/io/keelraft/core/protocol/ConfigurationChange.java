package io.keelraft.core.protocol;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership changes on the leader (thesis chapter 4): a configuration entry is in force as soon as it is
 * appended (§4.1); a change of voters goes through joint consensus (§4.3), which the leader leaves by itself
 * once C_old,new commits; and a leader that is not a voter of the committed C_new hands over and steps down
 * (§4.2.2).
 */
final class ConfigurationChange {

    private static final Logger LOG = LoggerFactory.getLogger(RaftProtocol.class);

    private final RaftState s;
    private final RaftProtocol raft;

    ConfigurationChange(RaftState s, RaftProtocol raft) {
        this.s = s;
        this.raft = raft;
    }

    /** See {@link RaftProtocol#changeConfiguration}. */
    ProposeResult change(ClusterConfiguration target) {
        if (target.isJoint()) {
            throw new IllegalArgumentException("the target configuration must not be joint (it names outgoing "
                    + "voters " + target.outgoingVoters() + "); joint consensus is entered and left automatically");
        }
        if (target.voters().isEmpty()) {
            throw new IllegalArgumentException("a configuration needs at least one voter; the target has none");
        }
        // A server that is both voter and learner cannot be a ClusterConfiguration at all: its constructor refuses it.
        ClusterConfiguration active = s.configurations.active();
        if (s.role != Role.LEADER) {
            return ProposeResult.notLeader(s.leaderId);
        }
        if (raft.transfer.inProgress()) {
            return ProposeResult.transferring(raft.transfer.transferee());
        }
        if (active.isJoint()) {
            throw new IllegalStateException("a configuration change is in progress: the joint configuration "
                    + "(voters " + active.voters() + ", outgoing " + active.outgoingVoters() + ") has not been left yet");
        }
        if (s.configurations.activeIndex() > s.log.commitIndex()) {
            throw new IllegalStateException("a configuration change is in progress: the configuration at index "
                    + s.configurations.activeIndex() + " is not committed yet (commitIndex " + s.log.commitIndex()
                    + ")");
        }
        if (target.voters().equals(active.voters()) && target.learners().equals(active.learners())) {
            throw new IllegalArgumentException("no change: the target has the same voters " + active.voters()
                    + " and learners " + active.learners() + " as the current configuration");
        }
        Map<String, String> addresses = new TreeMap<>(active.addresses());
        addresses.putAll(target.addresses());
        // Thesis §4.3: changing voters in one step could let two majorities decide at once; learners alone can.
        boolean oneStep = target.voters().equals(active.voters());
        ClusterConfiguration next = new ClusterConfiguration(target.voters(), target.learners(),
                oneStep ? Set.of() : active.voters(), addresses);
        LOG.info("{} proposes configuration {} in term {}", s.id, next, s.currentTerm);
        LogEntry entry = append(next);
        return ProposeResult.accepted(entry.index(), entry.term());
    }

    /** Appends a configuration entry on the leader; it is in force at once (thesis §4.1). */
    private LogEntry append(ClusterConfiguration next) {
        LogEntry entry = new LogEntry(s.log.lastIndex() + 1, s.currentTerm, EntryType.CONFIGURATION, next.encode());
        s.log.append(List.of(entry));
        s.configurations.appended(List.of(entry));
        raft.replication.syncProgress();
        raft.replication.entriesAppended();
        raft.leader.maybeCommit();
        return entry;
    }

    /** Thesis chapter 4: after each commit, what a leader does once the configuration in force is committed. */
    void commitAdvanced() {
        if (!s.configurationCommitted()) {
            return;
        }
        ClusterConfiguration active = s.configurations.active();
        if (active.isJoint()) {
            // Thesis §4.3: C_old,new is committed, so the leader moves on to C_new by itself.
            append(new ClusterConfiguration(active.voters(), active.learners(), Set.of(), active.addresses()));
        } else if (!active.isVoter(s.id) && !raft.transfer.inProgress()) {
            // Thesis §4.2.2: a leader not in C_new managed the change without counting itself; now that C_new is
            // committed it leaves. Thesis §3.10 applied to §4.2.2: rather than leave C_new leaderless for an
            // election timeout, it hands over to the most caught-up voter of C_new like a leadership transfer:
            // no new proposals, the target is brought up to the last entry, then TimeoutNow. A target that lacked
            // entries another voter holds could not win its election (§5.4.1), which is how a hand-over at the
            // instant of the commit failed under load.
            String successor = raft.replication.mostCaughtUpVoter(active);
            if (successor == null) {
                leave(null);
                return;
            }
            LOG.info("{} is not a voter of the committed configuration {}: it hands leadership to {} and leaves",
                    s.id, active, successor);
            raft.transfer.start(successor);
        }
    }

    /** This leader is not a voter of the configuration in force, which is committed: it only hands over. */
    boolean leaving() {
        ClusterConfiguration active = s.configurations.active();
        return s.role == Role.LEADER && !active.isJoint() && !active.isVoter(s.id) && s.configurationCommitted();
    }

    /**
     * Thesis §4.2.2: a leader not in the committed C_new steps down, telling the followers the commit first, then
     * handing leadership to {@code successor} (caught up to its last entry) with TimeoutNow, unless it is null.
     */
    void leave(String successor) {
        raft.replication.flush(); // sends the commit to every follower that has not heard of it
        if (successor != null) {
            s.send(new Message.TimeoutNow(s.currentTerm, s.id, successor));
            LOG.info("{} handed leadership to {} and steps down", s.id, successor);
        } else {
            LOG.info("{} steps down: it is not a voter of the committed configuration {}", s.id,
                    s.configurations.active());
        }
        raft.follower.become(s.currentTerm, null);
    }
}
