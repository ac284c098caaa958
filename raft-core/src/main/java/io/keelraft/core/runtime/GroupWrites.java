package io.keelraft.core.runtime;

import io.keelraft.core.protocol.EntryFetch;
import io.keelraft.core.protocol.HardState;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.protocol.Message;
import io.keelraft.core.protocol.Ready;
import io.keelraft.core.spi.DurabilityListener;
import io.keelraft.core.spi.LogStore;
import io.keelraft.core.spi.MetaStore;
import io.keelraft.core.StorageException;
import java.util.List;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a group's Ready writes and sends, and what its writers report back: log appends, and term and vote ahead
 * of them, go to the log store's writer (one group commit, {@link LogStore#runInWriter}), messages to the transport,
 * reads of entries for lagging followers to the "reader" thread — so the raft loop itself never touches a disk. The
 * writer releases the acknowledgements and votes its writes complete ({@link PersistQueue}); the protocol hears of
 * every result as an event on the loop.
 */
final class GroupWrites implements DurabilityListener {

    private static final Logger LOG = LoggerFactory.getLogger(GroupWrites.class);

    private final RaftGroup group;
    private final MetaStore metaStore;
    private final Executor reader;

    GroupWrites(RaftGroup group, MetaStore metaStore, Executor reader) {
        this.group = group;
        this.metaStore = metaStore;
        this.reader = reader;
    }

    /**
     * Writer thread: the acknowledgements and votes that waited only for these writes leave from here (see
     * {@link PersistQueue}); the protocol learns of it on the loop.
     */
    @Override
    public void durable(long index, long term) {
        long submitted = -1;
        if (!group.closed()) {
            submitted = group.persistQueue.entriesDurable(index, term);
            if (submitted >= 0) {
                group.metrics.logWriteLatency(group.scheduler.nanoTime() - submitted);
            }
        }
        // Only a write the outage did not discard ends it: the late report of an append made before the store failed
        // (its own write finished, a later one was refused) says nothing about the disk now, and taking it for a
        // recovery would leave the protocol refusing to append with no retry left to end that.
        boolean outageOver = submitted >= 0;
        group.loop.execute(() -> {
            if (!group.closed()) {
                if (outageOver) {
                    group.outage.writeSucceeded();
                }
                group.protocol.persisted(index, term);
                group.processReady();
            }
        });
    }

    @Override
    public void failed(StorageException cause) {
        group.loop.execute(() -> {
            if (!group.closed()) {
                storageFailed(cause);
            }
        });
    }

    /** Loop: rides a failing log store through (see {@link StorageOutage}, {@code RaftProtocol.storageFailed}). */
    void storageFailed(StorageException cause) {
        group.outage.failed(cause);
        group.persistQueue.entriesDiscarded(); // dropped by the store: never durable, never acknowledged
        group.protocol.storageFailed();
        group.scheduleReady();
    }

    /**
     * Loop: queues a Ready's term/vote and then its appends to the log writer (one group commit); its after-persist
     * messages wait for both. Term and vote go first, so the stored term is never behind a stored entry's.
     */
    void persist(Ready r) {
        Object handle = group.persistQueue.add(r.hardState(), r.entriesToAppend(), r.messagesAfterPersist(),
                group.scheduler.nanoTime());
        if (r.hardState() != null) {
            HardState hs = r.hardState();
            try {
                group.logStore.runInWriter(() -> saveHardState(hs, handle));
            } catch (RuntimeException e) {
                group.failOnLoop("the log store refused to save term " + hs.currentTerm() + " and vote "
                        + hs.votedFor(), e);
                return;
            }
        }
        if (!r.entriesToAppend().isEmpty()) {
            try {
                group.logStore.append(r.entriesToAppend());
            } catch (StorageException e) {
                storageFailed(e); // the disk still fails: the entries are handed out again later
            } catch (RuntimeException e) {
                group.failOnLoop("the log store refused an append", e);
                return;
            }
        }
    }

    /** Loop: sends the messages that depend only on durable state (thesis §10.2.1). */
    void send(List<Message> messages) {
        long entryBytes = 0;
        for (Message m : messages) {
            if (m instanceof Message.AppendEntries ae) {
                for (var e : ae.entries()) {
                    entryBytes += e.sizeInBytes();
                }
            } else if (m instanceof Message.InstallSnapshot is) {
                // Metadata only: the bytes go in chunks, streamed from the durable snapshot.
                if (group.snapshotInstall != null) {
                    group.snapshotInstall.send(is);
                } else {
                    group.protocol.snapshotSendFailed(is.to());
                }
                continue;
            }
            group.transport.send(m);
        }
        if (!messages.isEmpty()) {
            group.metrics.messagesSent(messages.size(), entryBytes);
        }
    }

    /** Loop: reads a lagging follower's entries on the reader thread. */
    void fetch(EntryFetch f) {
        reader.execute(() -> read(f));
    }

    /**
     * Reader thread: a lagging follower's entries, read from the log store (possibly from disk) off the loop, then
     * handed to the protocol on it. A failed read hands over none; the protocol tries again later.
     */
    private void read(EntryFetch f) {
        List<LogEntry> read;
        try {
            read = group.logStore.entries(f.fromIndex(), Math.min(f.toIndex(), group.logStore.lastIndex() + 1), f.maxBytes());
        } catch (RuntimeException e) {
            // Compacted meanwhile (the leader then sends a snapshot), or the disk failed a read.
            LOG.debug("{} could not read entries from {} for {}: {}", group.id, f.fromIndex(), f.peer(), e.toString());
            read = List.of();
        }
        List<LogEntry> entries = read;
        group.loop.execute(() -> {
            if (!group.closed()) {
                group.protocol.entriesFetched(f.peer(), f.term(), f.fromIndex(), entries);
                group.scheduleReady();
            }
        });
    }

    /**
     * Log writer: makes a Ready's term and vote durable, then tells the loop. A failing disk is retried here, so the
     * writes queued after it wait: nothing may be acknowledged before the term it was acknowledged in is stored.
     */
    private void saveHardState(HardState hs, Object handle) {
        try {
            if (!StorageOutage.retryUntilSaved(group.id, "term " + hs.currentTerm() + " and vote " + hs.votedFor(),
                    () -> metaStore.save(hs), group::closed)) {
                return;
            }
        } catch (RuntimeException e) {
            group.fatal("could not save term " + hs.currentTerm() + " and vote " + hs.votedFor(), e);
            return;
        }
        if (!group.closed()) {
            group.persistQueue.hardStateSaved(handle); // votes leave from here, as acknowledgements do from the writer
        }
        group.loop.execute(() -> {
            if (!group.closed()) {
                group.protocol.hardStatePersisted(hs);
                group.processReady();
            }
        });
    }
}
