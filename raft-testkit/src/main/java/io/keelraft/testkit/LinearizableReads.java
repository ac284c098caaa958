package io.keelraft.testkit;

import java.util.HashMap;
import java.util.Map;

/**
 * Linearizable reads, by ReadIndex (thesis §6.4) or under the leader's lease (§6.4.1): a read must reflect every
 * write committed before it was issued, so the read index the leader confirms must be at least the highest
 * commitIndex any server had reached when the read was issued. A stale leader that served reads from its own
 * commitIndex would fail this.
 */
final class LinearizableReads {

    static final String PROPERTY = "Linearizable Reads";

    private record Issued(long requiredIndex, String kind) {
    }

    private final Map<Long, Issued> issued = new HashMap<>();
    private long highestCommitIndex;

    /** Some server's commitIndex is {@code commitIndex} now. */
    void commitIndexObserved(long commitIndex) {
        highestCommitIndex = Math.max(highestCommitIndex, commitIndex);
    }

    /** A client issues read {@code requestId} now; {@code kind} names how it is served (for reports). */
    void issued(long requestId, String kind) {
        issued.put(requestId, new Issued(highestCommitIndex, kind));
    }

    /** The read was refused or aborted; it needs no answer. */
    void abandoned(long requestId) {
        issued.remove(requestId);
    }

    /** {@code node} confirmed read {@code requestId} at {@code readIndex}. */
    void confirmed(String node, long requestId, long readIndex) {
        Issued read = issued.remove(requestId);
        if (read == null) {
            throw new SafetyViolation(PROPERTY, node + " confirmed read " + requestId
                    + ", which is unknown or was already answered");
        }
        if (readIndex < read.requiredIndex()) {
            throw new SafetyViolation(PROPERTY, node + " confirmed " + read.kind() + " read " + requestId
                    + " at index " + readIndex + ", but index " + read.requiredIndex()
                    + " was already committed when the read was issued");
        }
    }

    /** Highest commitIndex seen on any server. */
    long highestCommitIndex() {
        return highestCommitIndex;
    }
}
