package io.keelraft.testkit;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.SnapshotMeta;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A server's state machine: it just remembers the entries applied, in order, and the {@link HistoryHash} of
 * every applied prefix. It is volatile: a restarted server starts from its newest durable snapshot (or empty)
 * and applies the log after it; a follower that installs a leader's snapshot is replaced by it.
 */
final class SimStateMachine {

    private final List<LogEntry> applied;
    /** hashes[i] is the history hash of entries 1..i. */
    private long[] hashes;

    /** An empty state machine. */
    SimStateMachine() {
        this.applied = new ArrayList<>();
        this.hashes = new long[64];
    }

    /** A state machine restored from {@code snapshot}: it has applied exactly what the snapshot holds. */
    static SimStateMachine restore(SimSnapshot snapshot) {
        SimStateMachine sm = new SimStateMachine();
        for (LogEntry e : snapshot.applied()) {
            sm.apply(e);
        }
        return sm;
    }

    void apply(LogEntry e) {
        applied.add(e);
        int i = applied.size();
        if (i >= hashes.length) {
            hashes = Arrays.copyOf(hashes, hashes.length * 2);
        }
        hashes[i] = HistoryHash.extend(hashes[i - 1], e);
    }

    /** Index of the last entry applied; 0 when none. */
    long appliedIndex() {
        return applied.size();
    }

    /** The entry applied at {@code index}, or null when that index is not applied yet. */
    LogEntry entry(long index) {
        return index >= 1 && index <= applied.size() ? applied.get((int) (index - 1)) : null;
    }

    /** History hash of the entries applied through {@code index}, for 0 <= index <= appliedIndex(). */
    long hash(long index) {
        return hashes[(int) index];
    }

    /**
     * The configuration in force at the last applied entry: the latest configuration entry applied, or
     * {@code bootstrap} when none was (thesis §5.1: a snapshot records the configuration at its index).
     */
    ClusterConfiguration configuration(ClusterConfiguration bootstrap) {
        for (int i = applied.size() - 1; i >= 0; i--) {
            LogEntry e = applied.get(i);
            if (e.type() == io.keelraft.core.protocol.EntryType.CONFIGURATION) {
                return ClusterConfiguration.decode(e.payload());
            }
        }
        return bootstrap;
    }

    /** A snapshot of everything applied so far (at least one entry), under {@code configuration}. */
    SimSnapshot snapshot(ClusterConfiguration configuration) {
        long index = appliedIndex();
        return new SimSnapshot(new SnapshotMeta(index, entry(index).term(), configuration), List.copyOf(applied),
                hash(index));
    }
}
