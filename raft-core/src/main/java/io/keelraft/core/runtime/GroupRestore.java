package io.keelraft.core.runtime;

import io.keelraft.core.StateMachine;
import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.HardState;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.spi.LogStore;
import io.keelraft.core.spi.MetaStore;
import io.keelraft.core.spi.ServerIdentity;
import io.keelraft.core.spi.SnapshotFile;
import io.keelraft.core.spi.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a group starts from, read from its stores before any of its threads runs (thesis §5.1: the newest
 * snapshot, then the log after it): the recorded identity and bootstrap configuration, the term and vote, the
 * state machine and session table restored from the newest snapshot, and the configuration and applied index
 * the log continues from.
 *
 * @param identity       the data directory's identity (bootstrap exactly once, {@link StoredIdentity})
 * @param hardState      the durable term and vote (after a forced configuration, if one was asked for)
 * @param sessions       the client session table, restored from the snapshot if there is one
 * @param appliedAtStart how far the state machine kept its own durable state
 *                       ({@link StateMachine#lastAppliedAtStart()})
 * @param snapshot       the newest snapshot, restored into the state machine, or null
 * @param base           the configuration in force at the log's base
 * @param appliedIndex   the index the state machine has applied through
 * @param appliedTerm    the term of the entry at {@code appliedIndex}
 */
record GroupRestore(ServerIdentity identity, HardState hardState, SessionTable sessions, long appliedAtStart,
                    SnapshotFile snapshot, ClusterConfiguration base, long appliedIndex, long appliedTerm) {

    private static final Logger LOG = LoggerFactory.getLogger(GroupRestore.class);

    /**
     * Reads the stores and restores the state machine, on the caller's thread.
     *
     * @throws IllegalStateException when the stores do not fit together, or the newest snapshot cannot be read
     */
    static GroupRestore from(RuntimeSettings settings, LogStore logStore, MetaStore metaStore, SnapshotStore snapshots,
                             StateMachine stateMachine) {
        String id = settings.id();
        HardState hardState = metaStore.load();
        // Bootstrap exactly once (StoredIdentity): the recorded configuration, not today's member list, is the base.
        ServerIdentity identity = StoredIdentity.establish(metaStore, logStore,
                snapshots != null && snapshots.latest().isPresent(), id, settings.clusterId(), settings.bootstrap());
        SessionTable sessions = new SessionTable(settings.options().sessionTimeout().toMillis());
        long appliedAtStart = stateMachine.lastAppliedAtStart();
        SnapshotFile restored = snapshots == null ? null : snapshots.latest().orElse(null);
        ClusterConfiguration base = identity.bootstrap();
        long appliedIndex = logStore.snapshotIndex();
        long appliedTerm = logStore.snapshotTerm();
        if (restored != null) {
            SnapshotMeta meta = restored.meta();
            if (logStore.snapshotIndex() > meta.index()) {
                throw new IllegalStateException("server " + id + ": the log is compacted through index "
                        + logStore.snapshotIndex() + ", beyond the newest snapshot " + meta);
            }
            if (logStore.snapshotIndex() < meta.index() && !holds(logStore, meta.index(), meta.term())) {
                // The compaction after the snapshot (or the log's entries) did not reach the disk before a crash,
                // or the snapshot came from a leader: the log starts at the snapshot (Figure 13, rule 7).
                logStore.compactTo(meta.index(), meta.term());
            }
            restore(id, restored, sessions, stateMachine, appliedAtStart);
            base = meta.configuration();
            appliedIndex = meta.index();
            appliedTerm = meta.term();
        } else if (appliedIndex > 0 && appliedAtStart < appliedIndex) {
            throw new IllegalStateException("server " + id + ": the log starts after index " + appliedIndex
                    + " but there is no snapshot to restore the state machine from"
                    + (snapshots == null ? " (no snapshot store was given)" : ""));
        }
        if (settings.forcedConfiguration() != null) {
            hardState = ForcedConfiguration.apply(id, settings.forcedConfiguration(), logStore, metaStore, hardState);
        }
        return new GroupRestore(identity, hardState, sessions, appliedAtStart, restored, base, appliedIndex,
                appliedTerm);
    }

    private static boolean holds(LogStore log, long index, long term) {
        if (index > log.lastIndex() || index < log.snapshotIndex()) {
            return false;
        }
        try {
            return log.term(index) == term;
        } catch (IndexOutOfBoundsException e) {
            return false;
        }
    }

    /**
     * Restores the session table and, unless it kept its own state that far
     * ({@link StateMachine#lastAppliedAtStart()}), the state machine from the newest snapshot.
     */
    private static void restore(String id, SnapshotFile file, SessionTable sessions, StateMachine stateMachine,
                                long appliedAtStart) {
        try (InputStream in = file.open()) {
            if (appliedAtStart >= file.meta().index()) {
                SnapshotEnvelope.readSessions(in, sessions);
            } else {
                SnapshotEnvelope.restore(in, sessions, stateMachine);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("server " + id + " could not restore its snapshot " + file.meta(), e);
        }
        LOG.info("{} restored its snapshot through index {} (term {})", id, file.meta().index(), file.meta().term());
    }
}
