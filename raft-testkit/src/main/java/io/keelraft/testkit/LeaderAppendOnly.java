package io.keelraft.testkit;

import io.keelraft.core.protocol.LogEntry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Paper Figure 3, Leader Append-Only: a leader never overwrites or deletes entries in its log; it only appends.
 * Checked two ways while a server leads a term: the log never gets shorter and the term of the last entry seen
 * at the previous observation never changes; and every batch it hands to its disk starts right after the
 * previous batch and holds only entries of its own term. When the entry seen last has since been compacted
 * away, the committed history (which every snapshot must match) says which entry it was.
 */
final class LeaderAppendOnly {

    static final String PROPERTY = "Leader Append-Only";

    private record Observation(long term, long lastIndex, long lastTerm) {
    }

    private final Map<String, Observation> leaders = new HashMap<>();
    private final StateMachineSafety committed;

    LeaderAppendOnly() {
        this(new StateMachineSafety());
    }

    LeaderAppendOnly(StateMachineSafety committed) {
        this.committed = committed;
    }

    /** {@code id} is leader of {@code term} with this log now. */
    void leading(String id, long term, LogView log) {
        Observation before = leaders.get(id);
        if (before != null && before.term() == term) {
            if (log.lastIndex() < before.lastIndex()) {
                throw new SafetyViolation(PROPERTY, id + " (leader of term " + term + ") shortened its log from "
                        + before.lastIndex() + " to " + log.lastIndex() + " entries");
            }
            long termNow = before.lastIndex() >= log.snapshotIndex() ? log.term(before.lastIndex())
                    : before.lastIndex() <= committed.highestCommitted()
                    ? committed.committed(before.lastIndex()).term() : -1;
            if (termNow != before.lastTerm()) {
                throw new SafetyViolation(PROPERTY, id + " (leader of term " + term + ") replaced its entry "
                        + before.lastIndex() + "@" + before.lastTerm() + " by one of term " + termNow);
            }
        }
        long last = log.lastIndex();
        leaders.put(id, new Observation(term, last, log.term(last)));
    }

    /** {@code id} is not (or no longer) a leader. */
    void notLeading(String id) {
        leaders.remove(id);
    }

    /**
     * {@code id}, leader of {@code term}, handed {@code entries} to its disk; {@code previousLast} is the last
     * index it handed out before.
     */
    void handedToDisk(String id, long term, long previousLast, List<LogEntry> entries) {
        LogEntry first = entries.get(0);
        if (first.index() != previousLast + 1) {
            throw new SafetyViolation(PROPERTY, id + " (leader of term " + term + ") wrote entries "
                    + EventTrace.entries(entries) + " over its log, which already reached index " + previousLast);
        }
        for (LogEntry e : entries) {
            if (e.term() != term) {
                throw new SafetyViolation(PROPERTY, id + " (leader of term " + term + ") appended entry " + e.index()
                        + "@" + e.term() + " of another term");
            }
        }
    }
}
