package io.keelraft.core.spi;

import io.keelraft.core.StorageException;
import io.keelraft.core.protocol.DurableLog;
import io.keelraft.core.protocol.LogEntry;
import java.util.List;

/**
 * A server's durable log. Reads ({@link DurableLog}) come from the raft loop thread while the store's own
 * writer thread makes appends durable, so implementations make reads safe against concurrent writes; reads
 * see only entries already reported durable... or any later entry, but never a torn or half-truncated state.
 *
 * <p>Writes never block the caller on the disk: {@link #append} queues, and the store's writer makes queued
 * appends durable together (group commit), reporting the highest durable entry to the
 * {@link DurabilityListener}. Appends become durable in the order they were submitted.
 */
public interface LogStore extends DurableLog, AutoCloseable {

    /**
     * Queues entries for appending, without waiting for the disk. An entry whose index is already stored
     * replaces that entry and every entry after it (suffix truncation, paper §5.3). The first entry's index
     * must be at most {@code lastIndex() + 1} counting queued appends.
     *
     * @throws StorageException when the store has failed and accepts no more writes until it recovers; after
     *                          {@link DurabilityListener#failed} the queued appends are gone, and once the store
     *                          recovers, appends start again from {@link #lastIndex()} + 1
     */
    void append(List<LogEntry> entries);

    /** Sets who is told about durability and failures; called before the first append. */
    void setDurabilityListener(DurabilityListener listener);

    /**
     * Drops entries at or below {@code index} once a snapshot covers them (whole segments only, so some
     * entries below {@code index} may remain readable); the log's base becomes ({@code index}, {@code term}).
     * Readers see the new base when this returns; the files may follow later, without blocking the caller.
     *
     * <p>When the log (counting queued appends) does not hold an entry at {@code index} with {@code term} — it
     * ends before {@code index}, or holds another term there — every entry is discarded and the next append
     * must be at {@code index + 1} (paper Figure 13, InstallSnapshot rules 6 and 7). Queued appends that this
     * discards are never reported durable.
     */
    void compactTo(long index, long term);

    /**
     * Runs {@code task} on this store's writer thread, in order with the writes: after the appends and compactions
     * queued before it are done (durable, or failed and reported), before those queued after it are written. The
     * runtime saves term and vote this way ({@code MetaStore.save}), so that they ride the writer's group commit:
     * no other thread does disk I/O for a write, and a server's stored term is never behind the terms of its stored
     * entries (they are queued after it). The task may block on I/O; it should not throw (what it throws is logged
     * and otherwise ignored). While the disk fails, tasks wait with the writes; a task still queued when the store
     * closes may be dropped.
     *
     * @throws StorageException when the store is closed
     */
    void runInWriter(Runnable task);

    /** Finishes or fails every queued append, stops the writer thread and releases every file. */
    @Override
    void close();
}
