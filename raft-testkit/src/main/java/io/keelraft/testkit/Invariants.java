package io.keelraft.testkit;

import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.Role;
import java.util.List;

/**
 * The safety properties checked during a run, fed by the simulated servers as things happen. Every check is
 * incremental and cheap enough to run after every event; a broken property throws {@link SafetyViolation}.
 */
final class Invariants {

    private final ElectionSafety electionSafety = new ElectionSafety();
    private final StateMachineSafety stateMachineSafety = new StateMachineSafety();
    private final LeaderAppendOnly leaderAppendOnly = new LeaderAppendOnly(stateMachineSafety);
    private final LogMatching logMatching = new LogMatching();
    private final LeaderCompleteness leaderCompleteness = new LeaderCompleteness(stateMachineSafety);
    private final LinearizableReads reads = new LinearizableReads();

    /** Server {@code id} took an input; this is its state now. */
    void observe(String id, Role role, long term, long commitIndex, LogView log) {
        reads.commitIndexObserved(commitIndex);
        if (role == Role.LEADER) {
            boolean newLeader = electionSafety.leaderObserved(term, id);
            leaderAppendOnly.leading(id, term, log);
            if (newLeader) {
                leaderCompleteness.becameLeader(id, term, log);
            }
        } else {
            notLeading(id);
        }
    }

    /** Server {@code id}, in {@code role} of {@code term}, hands {@code entries} to its disk. */
    void handedToDisk(String id, Role role, long term, long previousLast, List<LogEntry> entries) {
        if (role == Role.LEADER && !entries.isEmpty()) {
            leaderAppendOnly.handedToDisk(id, term, previousLast, entries);
        }
    }

    /** Server {@code id} made {@code entries} durable. */
    void durable(String id, List<LogEntry> entries) {
        logMatching.durable(id, entries);
    }

    /**
     * Server {@code id} compacted its durable log through {@code index}@{@code term} for a snapshot whose history
     * hash is {@code hash}; {@code kept} when the entries after it stayed.
     */
    void compacted(String id, long index, long term, long hash, boolean kept) {
        logMatching.compacted(id, index, term, hash, kept);
    }

    /** Server {@code id}'s state machine now holds {@code snapshot}'s applied entries ({@code what} it is). */
    void restored(String id, SimSnapshot snapshot, String what) {
        stateMachineSafety.restored(id, snapshot.index(), snapshot.hash(), what);
    }

    /** Server {@code id}, in {@code currentTerm}, applies {@code e} after {@code appliedBefore}. */
    void applied(String id, long appliedBefore, LogEntry e, long currentTerm) {
        if (stateMachineSafety.applied(id, appliedBefore, e, currentTerm)) {
            leaderCompleteness.committed(e, currentTerm);
        }
    }

    /** Server {@code id} crashed. */
    void crashed(String id) {
        notLeading(id);
    }

    private void notLeading(String id) {
        leaderAppendOnly.notLeading(id);
        leaderCompleteness.notLeading(id);
    }

    /** A client issues read {@code requestId}, of {@code kind} ("ReadIndex" or "lease"). */
    void readIssued(long requestId, String kind) {
        reads.issued(requestId, kind);
    }

    /** Server {@code id} confirmed read {@code requestId} at {@code readIndex}. */
    void readConfirmed(String id, long requestId, long readIndex) {
        reads.confirmed(id, requestId, readIndex);
    }

    /** Read {@code requestId} was refused or aborted. */
    void readAbandoned(long requestId) {
        reads.abandoned(requestId);
    }

    /** Number of terms that had a leader. */
    int elections() {
        return electionSafety.electedTerms();
    }

    /** Highest index applied by any server. */
    long highestCommitted() {
        return stateMachineSafety.highestCommitted();
    }
}
