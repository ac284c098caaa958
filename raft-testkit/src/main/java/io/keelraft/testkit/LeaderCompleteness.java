package io.keelraft.testkit;

import io.keelraft.core.protocol.LogEntry;
import java.util.Map;
import java.util.TreeMap;

/**
 * Paper Figure 3, Leader Completeness: if a log entry is committed in a given term, that entry will be present
 * in the logs of the leaders of all higher-numbered terms. Checked when a server becomes leader (against every
 * entry known committed in an earlier term) and when an entry becomes known committed (against every current
 * leader of a later term). Entries a leader has compacted are checked through its snapshot base: the history
 * hash of its log through the base must be that of the committed entries through it.
 */
final class LeaderCompleteness {

    static final String PROPERTY = "Leader Completeness";

    private record Leader(long term, LogView log) {
    }

    private final StateMachineSafety committed;
    private final Map<String, Leader> leaders = new TreeMap<>();

    LeaderCompleteness(StateMachineSafety committed) {
        this.committed = committed;
    }

    /** {@code id} has just become leader of {@code term} with {@code log}. */
    void becameLeader(String id, long term, LogView log) {
        leaders.put(id, new Leader(term, log));
        // An entry is committed no later than any entry after it, so walk down keeping the lowest term seen.
        long committedBy = Long.MAX_VALUE;
        long base = log.snapshotIndex();
        for (long i = committed.highestCommitted(); i > base; i--) {
            committedBy = Math.min(committedBy, committed.knownCommittedInTerm(i));
            if (committedBy < term) {
                require(id, term, log, committed.committed(i), committedBy);
            }
        }
        if (base > 0) {
            requirePrefix(id, term, log);
        }
    }

    /** {@code id} no longer leads. */
    void notLeading(String id) {
        leaders.remove(id);
    }

    /** {@code e} is newly known committed, in {@code term} or earlier. */
    void committed(LogEntry e, long term) {
        for (Map.Entry<String, Leader> l : leaders.entrySet()) {
            if (l.getValue().term() > term) {
                if (e.index() <= l.getValue().log().snapshotIndex()) {
                    requirePrefix(l.getKey(), l.getValue().term(), l.getValue().log());
                } else {
                    require(l.getKey(), l.getValue().term(), l.getValue().log(), e, term);
                }
            }
        }
    }

    /** The leader's compacted prefix must be the committed history through its base. */
    private void requirePrefix(String id, long leaderTerm, LogView log) {
        long base = log.snapshotIndex();
        if (base > committed.highestCommitted() || committed.committedHash(base) != log.snapshotHash()) {
            throw new SafetyViolation(PROPERTY, id + " is leader of term " + leaderTerm + " but its log, compacted "
                    + "through index " + base + ", does not hold the committed entries through that index"
                    + (base > committed.highestCommitted() ? " (only " + committed.highestCommitted()
                    + " are known committed)" : ""));
        }
    }

    private static void require(String id, long leaderTerm, LogView log, LogEntry e, long committedBy) {
        long last = log.lastIndex();
        long held = e.index() <= last ? log.term(e.index()) : -1;
        if (held != e.term()) {
            throw new SafetyViolation(PROPERTY, id + " is leader of term " + leaderTerm + " but its log "
                    + (held < 0 ? "ends at index " + last : "has term " + held + " at index " + e.index())
                    + ", missing " + e + ", which was committed by term " + committedBy);
        }
    }
}
