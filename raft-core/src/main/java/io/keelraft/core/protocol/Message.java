package io.keelraft.core.protocol;

import io.keelraft.core.SnapshotMeta;
import java.util.List;
import java.util.Objects;

/**
 * The RPCs servers exchange (paper Figure 2, thesis §9.6 PreVote). Every message names its sender, its
 * receiver and the sender's term; a higher term in any message makes the receiver adopt it (paper §5.1).
 */
public sealed interface Message
        permits Message.RequestVote, Message.RequestVoteResponse, Message.AppendEntries,
        Message.AppendEntriesResponse, Message.InstallSnapshot, Message.TimeoutNow {

    long term();

    String from();

    String to();

    /**
     * Invoked by candidates (and pre-candidates) to gather votes (paper §5.2).
     *
     * @param term         candidate's term; for a pre-vote, the term it would campaign in
     * @param lastLogIndex index of the candidate's last log entry (paper §5.4.1)
     * @param lastLogTerm  term of the candidate's last log entry
     * @param preVote      true for the PreVote phase (thesis §9.6): no one changes term or records a vote
     * @param transfer     true when the candidate campaigns because the leader handed it leadership with
     *                     {@link TimeoutNow} (thesis §3.10): voters then answer even while they hear from
     *                     that leader, bypassing the disruption check of thesis §4.2.3
     */
    record RequestVote(long term, String from, String to, long lastLogIndex, long lastLogTerm, boolean preVote,
                       boolean transfer) implements Message {
        public RequestVote {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
        }

        /** An ordinary (pre-)vote request, not part of a leadership transfer. */
        public RequestVote(long term, String from, String to, long lastLogIndex, long lastLogTerm, boolean preVote) {
            this(term, from, to, lastLogIndex, lastLogTerm, preVote, false);
        }
    }

    /**
     * Reply to {@link RequestVote}.
     *
     * @param term    the voter's current term (for a granted pre-vote: the term of the request)
     * @param granted true when the vote (or pre-vote) is granted
     * @param preVote echoes the request's flag
     */
    record RequestVoteResponse(long term, String from, String to, boolean granted, boolean preVote)
            implements Message {
        public RequestVoteResponse {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
        }
    }

    /**
     * Invoked by the leader to replicate log entries (paper §5.3); also used as heartbeat (no entries).
     *
     * @param prevLogIndex index of the entry immediately preceding the new ones
     * @param prevLogTerm  term of the entry at {@code prevLogIndex}
     * @param entries      entries to store, at {@code prevLogIndex + 1}, {@code prevLogIndex + 2}, …
     * @param leaderCommit leader's commitIndex
     * @param readSeq      the leader's read-confirmation round, echoed back so the leader can confirm
     *                     ReadIndex requests (thesis §6.4)
     */
    record AppendEntries(long term, String from, String to, long prevLogIndex, long prevLogTerm,
                         List<LogEntry> entries, long leaderCommit, long readSeq) implements Message {
        public AppendEntries {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            entries = entries == null ? List.of() : entries;
        }

        /** Index of the last entry carried, or {@code prevLogIndex} for a heartbeat. */
        public long lastIndex() {
            return prevLogIndex + entries.size();
        }
    }

    /**
     * Reply to {@link AppendEntries}.
     *
     * @param success       true when the follower's log now matches the leader's through {@code matchIndex}
     * @param matchIndex    on success, the highest index known to match the leader's log
     * @param rejectedIndex on failure, the {@code prevLogIndex} that did not match
     * @param conflictTerm  on failure, the term of the follower's entry at {@code rejectedIndex}, or 0 when the
     *                      follower's log is too short (fast backtracking, paper §5.3)
     * @param conflictIndex on failure, the first index of {@code conflictTerm} in the follower's log, or its
     *                      last index + 1 when its log is too short
     * @param readSeq       echoes the request's read-confirmation round
     */
    record AppendEntriesResponse(long term, String from, String to, boolean success, long matchIndex,
                                 long rejectedIndex, long conflictTerm, long conflictIndex, long readSeq)
            implements Message {
        public AppendEntriesResponse {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
        }
    }

    /**
     * The leader's snapshot for a follower whose next entry it has compacted away (thesis §5.3). The driver
     * carries the snapshot's bytes alongside (streamed in chunks) and steps this message into the follower's
     * protocol only once those bytes are durable there. The follower answers with an
     * {@link AppendEntriesResponse} whose matchIndex is the snapshot's index.
     */
    record InstallSnapshot(long term, String from, String to, SnapshotMeta snapshot) implements Message {
        public InstallSnapshot {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
        }
    }

    /**
     * Sent by a leader transferring leadership (thesis §3.10) to the target once its log is up to date: the
     * target starts an election at once, skipping PreVote, in {@code term + 1}.
     */
    record TimeoutNow(long term, String from, String to) implements Message {
        public TimeoutNow {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
        }
    }
}
