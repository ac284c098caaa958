package io.keelraft.core.runtime;

import io.keelraft.core.metrics.RaftMetrics;
import io.keelraft.core.Role;
import io.keelraft.core.protocol.SoftState;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A group's role, term and leader as other threads may read them without asking the loop: published by the loop
 * from each batch's newest {@link SoftState} (the Ready carries it when it changed), counted in the metrics, and
 * announced to the leader listeners on the apply thread, in order.
 */
final class PublishedState {

    private static final Logger LOG = LoggerFactory.getLogger(PublishedState.class);

    private final String id;
    private final RaftMetrics metrics;
    private final Applier applier;
    private final List<BiConsumer<String, Long>> leaderListeners = new CopyOnWriteArrayList<>();

    private volatile Role role = Role.FOLLOWER;
    private volatile long term;
    private volatile String leaderId;

    // Loop-confined.
    /** The newest soft state of the current batch's Readys, not yet published; null when it did not change. */
    private SoftState pending;
    private String announcedLeader;
    private long announcedTerm = -1;

    PublishedState(String id, RaftMetrics metrics, Applier applier, long term) {
        this.id = id;
        this.metrics = metrics;
        this.applier = applier;
        this.term = term;
    }

    /** Loop: a Ready's soft state (null: unchanged); the newest of a batch wins. */
    void changed(SoftState soft) {
        if (soft != null) {
            pending = soft;
        }
    }

    /**
     * Loop, after a batch: publishes what changed. Returns true when this server just stopped leading (the caller
     * drops what only a leader does).
     */
    boolean publish() {
        SoftState soft = pending;
        if (soft == null) {
            return false;
        }
        pending = null;
        Role now = soft.role();
        if (now != role) {
            if (now == Role.LEADER) {
                metrics.becameLeader(soft.term());
            } else if (now == Role.CANDIDATE) {
                metrics.electionStarted(soft.term());
            }
        }
        boolean leadershipLost = role == Role.LEADER && now != Role.LEADER;
        role = now;
        term = soft.term();
        String leader = soft.leaderId();
        leaderId = leader;
        if (leader != null && (!leader.equals(announcedLeader) || term != announcedTerm)) {
            announcedLeader = leader;
            announcedTerm = term;
            long t = term;
            applier.runInOrder(() -> announce(leader, t));
        }
        return leadershipLost;
    }

    private void announce(String leader, long t) {
        for (BiConsumer<String, Long> l : leaderListeners) {
            try {
                l.accept(leader, t);
            } catch (RuntimeException e) {
                LOG.warn("{}: a leader listener threw", id, e);
            }
        }
    }

    /** Listeners are told (on the apply thread, in order) of every new leader this server learns of. */
    void addLeaderListener(BiConsumer<String, Long> listener) {
        leaderListeners.add(listener);
    }

    Role role() {
        return role;
    }

    long term() {
        return term;
    }

    String leaderId() {
        return leaderId;
    }
}
