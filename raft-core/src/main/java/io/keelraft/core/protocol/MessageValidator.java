package io.keelraft.core.protocol;

import io.keelraft.core.ClusterConfiguration;
import java.util.List;
import java.util.Set;

/**
 * Checks a message from the network before it may touch protocol state. A message that fails is dropped
 * (and counted) by the caller; this class only names the problem.
 */
final class MessageValidator {

    private MessageValidator() {
    }

    /**
     * True when {@code m} comes from a server outside every configuration this server knows and is not a
     * leader's message. Such a message is well formed but ignored: typically a removed server that has not
     * learned of its removal (thesis §4.2.3). A leader may have been elected in a configuration this server has
     * not received yet (it is joining, or it lagged behind a change): its AppendEntries and InstallSnapshot are
     * what bring that configuration, so they are accepted. (A stranger's RequestVote is decided by the caller:
     * a candidate in a configuration this server has not received may need its vote.)
     */
    static boolean fromStranger(Message m, Set<String> knownServers) {
        boolean fromLeader = m instanceof Message.AppendEntries || m instanceof Message.InstallSnapshot;
        return !fromLeader && !knownServers.contains(m.from());
    }

    /** Returns null when {@code m} is well formed and for us, or a description of what is wrong. */
    static String problem(Message m, String self, Set<String> knownServers) {
        if (m == null) {
            return "null message";
        }
        if (!self.equals(m.to())) {
            return "addressed to " + m.to() + ", not to " + self;
        }
        if (self.equals(m.from())) {
            return "claims to come from this server itself";
        }
        if (m.term() < 0) {
            return "negative term " + m.term();
        }
        if (m instanceof Message.RequestVote rv) {
            return requestVoteProblem(rv);
        }
        if (m instanceof Message.AppendEntries ae) {
            return appendEntriesProblem(ae);
        }
        if (m instanceof Message.InstallSnapshot is) {
            if (is.snapshot() == null) {
                return "InstallSnapshot without snapshot metadata";
            }
            if (is.snapshot().term() > is.term()) {
                return "snapshot term " + is.snapshot().term() + " above the leader's term " + is.term();
            }
        }
        if (m instanceof Message.TimeoutNow tn && tn.term() == 0) {
            return "TimeoutNow for term 0";
        }
        if (m instanceof Message.AppendEntriesResponse r) {
            if (r.matchIndex() < 0 || r.rejectedIndex() < 0 || r.conflictIndex() < 0 || r.conflictTerm() < 0
                    || r.readSeq() < 0) {
                return "negative index, term or sequence in AppendEntries response";
            }
            if (r.conflictTerm() > r.term()) {
                return "conflictTerm " + r.conflictTerm() + " above the response term " + r.term();
            }
        }
        return null;
    }

    private static String requestVoteProblem(Message.RequestVote rv) {
        if (rv.lastLogIndex() < 0 || rv.lastLogTerm() < 0) {
            return "negative lastLogIndex or lastLogTerm";
        }
        if (rv.term() == 0) {
            return "vote requested for term 0";
        }
        if (rv.lastLogTerm() >= rv.term()) {
            // A candidate's log can only hold entries of earlier terms than the one it campaigns in.
            return "lastLogTerm " + rv.lastLogTerm() + " is not below the campaign term " + rv.term();
        }
        if ((rv.lastLogIndex() == 0) != (rv.lastLogTerm() == 0)) {
            return "lastLogIndex " + rv.lastLogIndex() + " and lastLogTerm " + rv.lastLogTerm() + " disagree";
        }
        return null;
    }

    private static String appendEntriesProblem(Message.AppendEntries ae) {
        if (ae.prevLogIndex() < 0 || ae.prevLogTerm() < 0 || ae.leaderCommit() < 0 || ae.readSeq() < 0) {
            return "negative prevLogIndex, prevLogTerm, leaderCommit or readSeq";
        }
        if (ae.prevLogTerm() > ae.term()) {
            return "prevLogTerm " + ae.prevLogTerm() + " above the leader's term " + ae.term();
        }
        if ((ae.prevLogIndex() == 0) != (ae.prevLogTerm() == 0)) {
            return "prevLogIndex " + ae.prevLogIndex() + " and prevLogTerm " + ae.prevLogTerm() + " disagree";
        }
        List<LogEntry> entries = ae.entries();
        long expectedIndex = ae.prevLogIndex() + 1;
        long previousTerm = ae.prevLogTerm();
        for (LogEntry e : entries) {
            if (e == null) {
                return "null entry";
            }
            if (e.index() != expectedIndex) {
                return "entry index " + e.index() + " where " + expectedIndex + " was expected (entries must follow prevLogIndex)";
            }
            if (e.term() < previousTerm || e.term() > ae.term() || e.term() <= 0) {
                return "entry " + e.index() + " has term " + e.term() + ", outside [" + Math.max(1, previousTerm)
                        + ", " + ae.term() + "]";
            }
            if (e.type() == EntryType.CONFIGURATION) {
                try {
                    ClusterConfiguration.decode(e.payload());
                } catch (IllegalArgumentException bad) {
                    return "entry " + e.index() + " carries a malformed configuration: " + bad.getMessage();
                }
            }
            expectedIndex++;
            previousTerm = e.term();
        }
        return null;
    }
}
