package io.keelraft.testkit;

import io.keelraft.core.protocol.LogEntry;
import java.util.ArrayList;
import java.util.Arrays;

/**
 * Paper Figure 3, State Machine Safety: if a server has applied a log entry at a given index, no other server
 * ever applies a different entry for that index. Also requires each state machine to apply indexes
 * contiguously from 1 — or from the index of the snapshot it was restored from, whose applied history (its
 * {@link HistoryHash}) must be exactly what the servers applied through that index.
 *
 * <p>The entries applied anywhere form the run's committed log, which {@link LeaderCompleteness} reads.
 * For each committed index it also keeps the lowest term in which some server knew the entry committed: a
 * server applies an entry only once its leader of the current term (or itself as leader) counts it committed,
 * so the entry was committed in that term or earlier.
 */
final class StateMachineSafety {

    static final String PROPERTY = "State Machine Safety";

    private final ArrayList<LogEntry> committed = new ArrayList<>();
    private long[] knownCommittedInTerm = new long[64];
    /** committedHash[i]: {@link HistoryHash} of committed entries 1..i. */
    private long[] committedHash = new long[64];

    /**
     * {@code node}, whose state machine had applied through {@code appliedBefore}, applies {@code e} while in
     * {@code currentTerm}.
     *
     * @return true when no server had applied this index before (it is newly known committed)
     */
    boolean applied(String node, long appliedBefore, LogEntry e, long currentTerm) {
        if (e.index() != appliedBefore + 1) {
            throw new SafetyViolation(PROPERTY, node + " applied entry " + e.index() + "@" + e.term()
                    + " right after index " + appliedBefore + " (state machines apply every index in order)");
        }
        int i = (int) e.index();
        if (i <= committed.size()) {
            LogEntry earlier = committed.get(i - 1);
            if (!earlier.equals(e)) {
                throw new SafetyViolation(PROPERTY, node + " applied " + e + " at index " + i
                        + " where another server applied " + earlier);
            }
            knownCommittedInTerm[i] = Math.min(knownCommittedInTerm[i], currentTerm);
            return false;
        }
        committed.add(e);
        if (i >= knownCommittedInTerm.length) {
            knownCommittedInTerm = Arrays.copyOf(knownCommittedInTerm, knownCommittedInTerm.length * 2);
            committedHash = Arrays.copyOf(committedHash, committedHash.length * 2);
        }
        knownCommittedInTerm[i] = currentTerm;
        committedHash[i] = HistoryHash.extend(committedHash[i - 1], e);
        return true;
    }

    /**
     * {@code node}'s state machine was restored from a snapshot: it has applied {@code index} entries whose
     * history hash is {@code hash}. Every one of them must have been applied somewhere (snapshots hold applied
     * state only), and they must be the entries applied there.
     */
    void restored(String node, long index, long hash, String what) {
        if (index > committed.size()) {
            throw new SafetyViolation(PROPERTY, node + " restored " + what + " through index " + index
                    + ", beyond index " + committed.size() + ", the highest any server has applied");
        }
        if (committedHash[(int) index] != hash) {
            throw new SafetyViolation(PROPERTY, node + " restored " + what + " through index " + index
                    + " whose applied history differs from what the servers applied through that index");
        }
    }

    /** {@link HistoryHash} of the committed entries through {@code index}, for 0 <= index <= highestCommitted(). */
    long committedHash(long index) {
        return committedHash[(int) index];
    }

    /** Highest index applied by any server. */
    long highestCommitted() {
        return committed.size();
    }

    /** The entry applied at {@code index}, for 1 <= index <= highestCommitted(). */
    LogEntry committed(long index) {
        return committed.get((int) (index - 1));
    }

    /** A term in which entry {@code index} was already committed (or a later one). */
    long knownCommittedInTerm(long index) {
        return knownCommittedInTerm[(int) index];
    }
}
