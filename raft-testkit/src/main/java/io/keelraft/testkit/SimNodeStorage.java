package io.keelraft.testkit;

import io.keelraft.core.protocol.HardState;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.spi.DurabilityListener;
import io.keelraft.core.spi.LogStore;
import io.keelraft.core.spi.MetaStore;
import io.keelraft.core.spi.StorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One server's disk for the real runtime in virtual time: what survives a crash is exactly what was reported
 * durable. Each incarnation of the server opens a {@link #logStore} and {@link #metaStore} on it; appends become
 * durable in order, after a random write latency (longer while the disk is stalled), on the incarnation's
 * scheduler, so a crash loses every write not yet durable.
 */
final class SimNodeStorage {

    private final SimulationOptions options;
    private final EventQueue queue;
    private final SplittableRandom random;
    /** What the disk holds: survives crashes. */
    private final List<LogEntry> durable = new ArrayList<>();
    private HardState hardState = HardState.INITIAL;
    private boolean stalled;
    private long lastWriteDue;

    SimNodeStorage(SimulationOptions options, EventQueue queue, SplittableRandom random) {
        this.options = options;
        this.queue = queue;
        this.random = random;
    }

    /** While stalled, writes take up to {@link SimulationOptions#maxStalledDiskWriteMillis()}. */
    void stalled(boolean stalled) {
        this.stalled = stalled;
    }

    HardState hardState() {
        return hardState;
    }

    /** The durable log, for end-of-run checks. */
    List<LogEntry> durableEntries() {
        return List.copyOf(durable);
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
            public void close() {
            }
        };
    }

    private static void applyWrite(List<LogEntry> log, List<LogEntry> write) {
        long first = write.get(0).index();
        while (log.size() >= first) {
            log.remove(log.size() - 1);
        }
        log.addAll(write);
    }

    private long writeDelay() {
        long max = stalled ? options.maxStalledDiskWriteMillis() : options.maxDiskWriteMillis();
        return random.nextLong(options.minDiskWriteMillis(), max + 1);
    }

    /** The incarnation's view: durable entries with its own pending writes laid over them. */
    private final class Log implements LogStore {
        private final VirtualScheduler scheduler;
        private final List<LogEntry> visible = new ArrayList<>(durable);
        private DurabilityListener listener;

        Log(VirtualScheduler scheduler) {
            this.scheduler = scheduler;
        }

        @Override
        public long snapshotIndex() {
            return 0;
        }

        @Override
        public long snapshotTerm() {
            return 0;
        }

        @Override
        public long lastIndex() {
            return visible.size();
        }

        @Override
        public long term(long index) {
            if (index == 0) {
                return 0;
            }
            if (index < 0 || index > visible.size()) {
                throw new IndexOutOfBoundsException("index " + index + " outside [0, " + visible.size() + "]");
            }
            return visible.get((int) index - 1).term();
        }

        @Override
        public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
            return LogEntry.prefixWithin(visible.subList((int) fromIndex - 1, (int) toIndex - 1), maxBytes);
        }

        @Override
        public void append(List<LogEntry> entries) {
            if (entries.isEmpty()) {
                return;
            }
            if (entries.get(0).index() > visible.size() + 1) {
                throw new StorageException("append at " + entries.get(0).index() + " would leave a gap after "
                        + visible.size());
            }
            List<LogEntry> write = List.copyOf(entries);
            applyWrite(visible, write);
            // Writes complete in submission order (one file, one writer), each after its own latency.
            long due = Math.max(lastWriteDue, queue.now() + writeDelay());
            lastWriteDue = due;
            queue.at(due, () -> {
                if (scheduler.closed()) {
                    return; // the process died first: the write never reached the disk
                }
                applyWrite(durable, write);
                LogEntry last = write.get(write.size() - 1);
                listener.durable(last.index(), last.term());
            });
        }

        @Override
        public void setDurabilityListener(DurabilityListener listener) {
            this.listener = listener;
        }

        @Override
        public void compactTo(long index, long term) {
            throw new UnsupportedOperationException("the simulated disk does not compact yet");
        }

        @Override
        public void close() {
        }
    }
}
