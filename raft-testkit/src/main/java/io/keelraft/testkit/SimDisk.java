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
 */
final class SimDisk {

    /**
     * The writes of one {@link io.keelraft.core.protocol.Ready}, and the messages that may leave only once they
     * (and all earlier writes) are durable.
     */
    record Write(HardState hardState, List<LogEntry> entries, List<Message> afterPersist) {
        boolean hasData() {
            return hardState != null || !entries.isEmpty();
        }
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
            log.append(done.entries());
            whenDurable.accept(done);
        });
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
