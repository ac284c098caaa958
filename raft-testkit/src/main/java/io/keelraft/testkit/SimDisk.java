package io.keelraft.testkit;

import io.keelraft.core.protocol.HardState;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.protocol.Message;
import java.util.ArrayDeque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * One server's disk: the durable HardState and log, and a FIFO queue of writes in progress. Each write
 * completes after a small random delay, never before the writes queued ahead of it; only then does it reach
 * the durable state. A crash loses every write still in the queue, exactly like an unsynced page cache.
 *
 * <p>It also keeps the server's newest durable snapshot. Snapshot files are written beside the log (not in
 * its queue), each after a random delay; a crash loses the writes in progress and leaves the snapshot that was
 * durable before usable (a new file replaces the old one atomically, once complete). Log compaction goes
 * through the log's queue, so it never overtakes the appends queued before it.
 */
final class SimDisk {

    /**
     * The writes of one {@link io.keelraft.core.protocol.Ready}, and the messages that may leave only once they
     * (and all earlier writes) are durable.
     */
    record Write(HardState hardState, List<LogEntry> entries, List<Message> afterPersist, Compaction compaction) {
        Write(HardState hardState, List<LogEntry> entries, List<Message> afterPersist) {
            this(hardState, entries, afterPersist, null);
        }

        boolean hasData() {
            return hardState != null || !entries.isEmpty() || compaction != null;
        }
    }

    /**
     * Compacting the log through {@code index} ({@link SimDurableLog#compactTo}), covered by a snapshot whose
     * history hash through {@code index} is {@code hash}; applied before the write's entries.
     */
    record Compaction(long index, long term, long hash) {
    }

    private final SimulationOptions options;
    private final EventQueue queue;
    private final SplittableRandom random;
    private final SimDurableLog log = new SimDurableLog();
    private final ArrayDeque<Write> pending = new ArrayDeque<>();
    private HardState hardState = HardState.INITIAL;
    private long lastCompletion;
    /** Bumped by a crash, so that completions scheduled before it do nothing. */
    private int epoch;
    private boolean stalled;
    /** The newest durable snapshot, or null. */
    private SimSnapshot snapshot;
    private boolean lastCompactionDone;
    private boolean lastCompactionKept;

    SimDisk(SimulationOptions options, EventQueue queue, SplittableRandom random) {
        this.options = options;
        this.queue = queue;
        this.random = random;
    }

    /** The durable term and vote. */
    HardState hardState() {
        return hardState;
    }

    /** The durable log. */
    SimDurableLog log() {
        return log;
    }

    /** True when writes are still in progress. */
    boolean busy() {
        return !pending.isEmpty();
    }

    /**
     * Queues {@code write}; once it and every earlier write are durable, its data reaches the durable state and
     * {@code whenDurable} runs. A write without data completes together with the write ahead of it.
     */
    void submit(Write write, Consumer<Write> whenDurable) {
        long completion = write.hasData() ? Math.max(lastCompletion, queue.now() + writeDelay())
                : Math.max(lastCompletion, queue.now());
        lastCompletion = completion;
        pending.add(write);
        int scheduledIn = epoch;
        queue.at(completion, () -> {
            if (scheduledIn != epoch) {
                return;
            }
            Write done = pending.poll();
            if (done != write) {
                throw new IllegalStateException("disk writes completed out of order");
            }
            if (done.hardState() != null) {
                hardState = done.hardState();
            }
            if (done.compaction() != null) {
                Compaction c = done.compaction();
                lastCompactionDone = c.index() > log.snapshotIndex();
                lastCompactionKept = log.compactTo(c.index(), c.term(), c.hash());
            }
            log.append(done.entries());
            whenDurable.accept(done);
        });
    }

    /** Whether the compaction of the write that just completed moved the log's base (it was not done already). */
    boolean lastCompactionDone() {
        return lastCompactionDone;
    }

    /** Whether the compaction of the write that just completed kept the entries after its index. */
    boolean lastCompactionKept() {
        return lastCompactionKept;
    }

    /** The newest durable snapshot, or null when there is none. */
    SimSnapshot snapshot() {
        return snapshot;
    }

    /**
     * Writes a snapshot file: after a random delay (unless a crash comes first) it is durable and
     * {@code whenDurable} runs. It does not become the server's snapshot by itself: see {@link #keep}.
     */
    void writeSnapshot(SimSnapshot s, Consumer<SimSnapshot> whenDurable) {
        int scheduledIn = epoch;
        queue.after(writeDelay(), () -> {
            if (scheduledIn == epoch) {
                whenDurable.accept(s);
            }
        });
    }

    /**
     * Makes the durable snapshot file {@code s} the server's snapshot if it is newer than the one it has (an
     * atomic rename); returns whether it did.
     */
    boolean keep(SimSnapshot s) {
        if (snapshot != null && s.index() <= snapshot.index()) {
            return false;
        }
        snapshot = s;
        return true;
    }

    /** Loses every write in progress; the durable state stays. */
    void crash() {
        pending.clear();
        lastCompletion = 0;
        epoch++;
    }

    /** Makes writes slow (a stalled fsync) or normal again. */
    void stalled(boolean stalled) {
        this.stalled = stalled;
    }

    private long writeDelay() {
        return stalled ? random.nextLong(options.maxDiskWriteMillis(), options.maxStalledDiskWriteMillis() + 1)
                : random.nextLong(options.minDiskWriteMillis(), options.maxDiskWriteMillis() + 1);
    }
}
