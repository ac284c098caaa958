package io.keelraft.testkit;

import io.keelraft.core.protocol.LogEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * A server's state machine: it just remembers the entries applied, in order. It is volatile, so a restarted
 * server starts with an empty one and applies the log again from index 1.
 */
final class SimStateMachine {

    private final List<LogEntry> applied = new ArrayList<>();

    void apply(LogEntry e) {
        applied.add(e);
    }

    /** Index of the last entry applied; 0 when none. */
    long appliedIndex() {
        return applied.size();
    }

    /** The entry applied at {@code index}, or null when that index is not applied yet. */
    LogEntry entry(long index) {
        return index >= 1 && index <= applied.size() ? applied.get((int) (index - 1)) : null;
    }
}
