package io.keelraft.testkit;

import io.keelraft.core.spi.RaftScheduler;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;

/**
 * The real runtime's time and threads, in the simulator's virtual time. Each "thread" (serial executor) is a
 * lane of events: its tasks run in submission order, each after a small random delay, so the lanes of one
 * server and of different servers interleave differently from seed to seed, yet the same seed always gives the
 * same interleaving. A crash ({@link #close()}) drops every task still queued, as a killed process loses its
 * threads' work.
 */
final class VirtualScheduler implements RaftScheduler {

    /** Virtual nanoseconds per millisecond of the event queue. */
    private static final long NANOS_PER_MILLI = 1_000_000L;
    /** The wall clock starts at a fixed instant so that session expiry stamps are reproducible. */
    private static final long EPOCH_MILLIS = 1_800_000_000_000L;

    private final EventQueue queue;
    private final SplittableRandom random;
    private final long clockOffsetMillis;
    private boolean closed;

    VirtualScheduler(EventQueue queue, SplittableRandom random) {
        this.queue = queue;
        this.random = random;
        // Servers' clocks disagree about the time of day (never about its rate): leader-stamped times must be
        // all that session expiry depends on.
        this.clockOffsetMillis = random.nextLong(0, 5_000);
    }

    @Override
    public long nanoTime() {
        return queue.now() * NANOS_PER_MILLI;
    }

    @Override
    public long currentTimeMillis() {
        return EPOCH_MILLIS + clockOffsetMillis + queue.now();
    }

    @Override
    public Executor serialExecutor(String name) {
        // Snapshot work is disk work: each task takes a while, so crashes land in the middle of it.
        return new Lane(name, name.equals("snapshot") ? MAX_SNAPSHOT_TASK_MILLIS : 0);
    }

    /** The lane (a simulated thread: "raft", "apply", ...) whose task runs now on this thread, or null. */
    static String runningLane() {
        return RUNNING.get();
    }

    /** One simulation runs on one thread, so the lane running now is a per-thread fact. */
    private static final ThreadLocal<String> RUNNING = new ThreadLocal<>();

    /** Longest a task of the snapshot thread takes (a snapshot write, a chunk read or write). */
    private static final int MAX_SNAPSHOT_TASK_MILLIS = 8;

    @Override
    public Cancellable schedule(Executor executor, Runnable task, long delayNanos) {
        boolean[] cancelled = {false};
        long delayMillis = (delayNanos + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI;
        queue.after(delayMillis, () -> {
            if (!closed && !cancelled[0]) {
                executor.execute(task);
            }
        });
        return () -> cancelled[0] = true;
    }

    /** The server crashed or closed: queued and future tasks are dropped. */
    @Override
    public void close() {
        closed = true;
    }

    boolean closed() {
        return closed;
    }

    /** One simulated thread: FIFO, each task after a jitter of 0 or 1 ms after the previous one is due. */
    private final class Lane implements Executor {
        private final String name;
        private final int maxTaskMillis;
        private long lastDue;

        Lane(String name, int maxTaskMillis) {
            this.name = name;
            this.maxTaskMillis = maxTaskMillis;
        }

        @Override
        public void execute(Runnable task) {
            if (closed) {
                return;
            }
            long work = maxTaskMillis == 0 ? 0 : random.nextInt(maxTaskMillis + 1);
            long due = Math.max(lastDue, queue.now() + (random.nextInt(4) == 0 ? 1 : 0)) + work;
            lastDue = due;
            queue.at(due, () -> {
                if (!closed) {
                    String previous = RUNNING.get();
                    RUNNING.set(name);
                    try {
                        task.run();
                    } finally {
                        RUNNING.set(previous);
                    }
                }
            });
        }
    }
}
