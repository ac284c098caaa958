package io.keelraft.testkit;

import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.SnapshotMeta;
import java.util.List;

/**
 * A snapshot's bytes in the simulation: the state machine after applying every entry through
 * {@code meta.index()} — the applied entries themselves (so a restored state machine is exact, down to
 * {@link SimStateMachine#entry(long)}) and the {@link HistoryHash} of that sequence, which the checkers compare
 * with what other servers applied.
 *
 * @param meta    what the protocol is told about it
 * @param applied the entries applied at indexes 1..meta.index(), in order (immutable)
 * @param hash    {@link HistoryHash} of {@code applied}
 */
record SimSnapshot(SnapshotMeta meta, List<LogEntry> applied, long hash) {

    long index() {
        return meta.index();
    }

    @Override
    public String toString() {
        return "snapshot " + meta.index() + "@" + meta.term();
    }
}
