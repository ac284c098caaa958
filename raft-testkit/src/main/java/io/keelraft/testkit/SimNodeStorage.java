package io.keelraft.testkit;

import io.keelraft.core.protocol.HardState;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.spi.DurabilityListener;
import io.keelraft.core.spi.LogStore;
import io.keelraft.core.spi.MetaStore;
import io.keelraft.core.spi.SnapshotStore;
import io.keelraft.testkit.memory.InMemorySnapshotStore;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One server's disk for the real runtime in virtual time: what survives a crash is exactly what was reported
 * durable. Each incarnation of the server opens a {@link #logStore} and {@link #metaStore} on it; appends and
 * compactions become durable in order, after a random write latency (longer while the disk is stalled), on the
 * incarnation's scheduler, so a crash loses every write not yet durable. Snapshots live in an
 * {@link InMemorySnapshotStore}: a committed snapshot is durable, an unfinished one dies with the process.
 */
final class SimNodeStorage {

    private final SimulationOptions options;
    private final EventQueue queue;
    private final SplittableRandom random;
    /** What the disk holds: survives crashes. */
    private final Segment durable = new Segment();
    private final InMemorySnapshotStore snapshots;
    private HardState hardState = HardState.INITIAL;
    /** Survives crashes, like the term and vote (saved synchronously, as a real fsync). */
    private io.keelraft.core.spi.ServerIdentity identity;
    private boolean stalled;
    private long lastWriteDue;
    private long compactions;

    SimNodeStorage(SimulationOptions options, EventQueue queue, SplittableRandom random) {
        this.options = options;
        this.queue = queue;
        this.random = random;
        this.snapshots = new InMemorySnapshotStore(2);
    }

    /** A log after a base (index, term): the shape both the disk and an incarnation's view have. */
    private static final class Segment {
        long baseIndex;
        long baseTerm;
        final List<LogEntry> entries = new ArrayList<>();

        Segment() {
        }

        Segment(Segment copy) {
            baseIndex = copy.baseIndex;
            baseTerm = copy.baseTerm;
            entries.addAll(copy.entries);
        }

        long lastIndex() {
            return baseIndex + entries.size();
        }

        long term(long index) {
            if (index == baseIndex) {
                return baseTerm;
            }
            if (index < baseIndex || index > lastIndex()) {
                throw new IndexOutOfBoundsException("index " + index + " outside [" + baseIndex + ", " + lastIndex()
                        + "]");
            }
            return entries.get((int) (index - baseIndex) - 1).term();
        }

        void append(List<LogEntry> write) {
            long first = write.get(0).index();
            if (first <= baseIndex) {
                // Entries the disk compacted away meanwhile: only those after the base remain.
                write = write.stream().filter(e -> e.index() > baseIndex).toList();
                if (write.isEmpty()) {
                    return;
                }
                first = write.get(0).index();
            }
            while (lastIndex() >= first) {
                entries.remove(entries.size() - 1);
            }
            if (first != lastIndex() + 1) {
                throw new IllegalStateException("write at " + first + " leaves a gap after " + lastIndex());
            }
            entries.addAll(write);
        }

        /** Paper Figure 13 rules 6 and 7; returns false when the log was discarded. */
        boolean compactTo(long index, long term) {
            if (index <= baseIndex) {
                return true;
            }
            boolean holds = index <= lastIndex() && term(index) == term;
            if (holds) {
                entries.subList(0, (int) (index - baseIndex)).clear();
            } else {
                entries.clear();
            }
            baseIndex = index;
            baseTerm = term;
            return holds;
        }
    }

    /** While stalled, writes take up to {@link SimulationOptions#maxStalledDiskWriteMillis()}. */
    void stalled(boolean stalled) {
        this.stalled = stalled;
    }

    HardState hardState() {
        return hardState;
    }

    /** The snapshots on this disk (the store of every incarnation). */
    SnapshotStore snapshotStore() {
        return snapshots;
    }

    /** The server crashed: a snapshot being received dies with the process. */
    void crashed() {
        snapshots.dropUnfinished();
    }

    /** Snapshots committed on this disk (taken or received). */
    long snapshotCommits() {
        return snapshots.commits();
    }

    /** Compactions that reached this disk. */
    long compactions() {
        return compactions;
    }

    /** Entries the durable log holds now (after its base). */
    int durableEntryCount() {
        return durable.entries.size();
    }

    /** The log store of one incarnation, whose pending writes die with {@code scheduler}. */
    LogStore logStore(VirtualScheduler scheduler) {
        return new Log(scheduler);
    }

    /** The term/vote store of one incarnation; {@code save} is durable when it returns, as a real fsync. */
    MetaStore metaStore() {
        return new MetaStore() {
            @Override
            public HardState load() {
                return hardState;
            }

            @Override
            public void save(HardState state) {
                hardState = state;
            }

            @Override
            public java.util.Optional<io.keelraft.core.spi.ServerIdentity> loadIdentity() {
                return java.util.Optional.ofNullable(identity);
            }

            @Override
            public void saveIdentity(io.keelraft.core.spi.ServerIdentity saved) {
                identity = saved;
            }

            @Override
            public void close() {
            }
        };
    }

    private long writeDelay() {
        long max = stalled ? options.maxStalledDiskWriteMillis() : options.maxDiskWriteMillis();
        return random.nextLong(options.minDiskWriteMillis(), max + 1);
    }

    /** Writes reach the disk in submission order (one file, one writer), each after its own latency. */
    private void queueWrite(VirtualScheduler scheduler, Runnable onDisk) {
        long due = Math.max(lastWriteDue, queue.now() + writeDelay());
        lastWriteDue = due;
        queue.at(due, () -> {
            if (!scheduler.closed()) { // else the process died first: the write never reached the disk
                onDisk.run();
            }
        });
    }

    /** The incarnation's view: the durable log with its own pending writes laid over it. */
    private final class Log implements LogStore {
        private final VirtualScheduler scheduler;
        private final Segment visible = new Segment(durable);
        private DurabilityListener listener;
        /** Bumped when a compaction discards the log: appends queued before are never reported durable. */
        private long generation;

        Log(VirtualScheduler scheduler) {
            this.scheduler = scheduler;
        }

        @Override
        public long snapshotIndex() {
            return visible.baseIndex;
        }

        @Override
        public long snapshotTerm() {
            return visible.baseTerm;
        }

        @Override
        public long lastIndex() {
            return visible.lastIndex();
        }

        @Override
        public long term(long index) {
            return visible.term(index);
        }

        @Override
        public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
            if (fromIndex <= visible.baseIndex || toIndex > visible.lastIndex() + 1) {
                throw new IndexOutOfBoundsException("entries [" + fromIndex + ", " + toIndex + ") outside ("
                        + visible.baseIndex + ", " + (visible.lastIndex() + 1) + "]");
            }
            return LogEntry.prefixWithin(List.copyOf(visible.entries.subList((int) (fromIndex - visible.baseIndex) - 1,
                    (int) (toIndex - visible.baseIndex) - 1)), maxBytes);
        }

        @Override
        public void append(List<LogEntry> entries) {
            if (entries.isEmpty()) {
                return;
            }
            long first = entries.get(0).index();
            if (first > visible.lastIndex() + 1 || first <= visible.baseIndex) {
                throw new IllegalArgumentException("append at " + first + " outside (" + visible.baseIndex + ", "
                        + (visible.lastIndex() + 1) + "]");
            }
            List<LogEntry> write = List.copyOf(entries);
            visible.append(write);
            long queuedIn = generation;
            queueWrite(scheduler, () -> {
                durable.append(write);
                if (queuedIn == generation) {
                    LogEntry last = write.get(write.size() - 1);
                    listener.durable(last.index(), last.term());
                }
            });
        }

        @Override
        public void runInWriter(Runnable task) {
            queueWrite(scheduler, task); // in order with the writes, after the latency of a write of its own
        }

        @Override
        public void setDurabilityListener(DurabilityListener listener) {
            this.listener = listener;
        }

        @Override
        public void compactTo(long index, long term) {
            if (index <= visible.baseIndex) {
                return;
            }
            if (!visible.compactTo(index, term)) {
                generation++;
            }
            queueWrite(scheduler, () -> {
                durable.compactTo(index, term);
                compactions++;
            });
        }

        @Override
        public void close() {
        }
    }
}
