package io.keelraft.core.spi;

import java.util.concurrent.Executor;

/**
 * Time and threads for one server. Production uses real threads and the system clock
 * ({@code io.keelraft.core.runtime.ThreadScheduler}); the testkit supplies a virtual-time implementation so
 * that the real runtime runs deterministically inside the simulator.
 */
public interface RaftScheduler extends AutoCloseable {

    /** Monotonic time in nanoseconds. */
    long nanoTime();

    /** Wall-clock time in milliseconds since the epoch (stamped into log entries by the leader). */
    long currentTimeMillis();

    /**
     * A serial executor named {@code name}: tasks run one at a time, in submission order. In production each
     * is its own named thread.
     */
    Executor serialExecutor(String name);

    /** Runs {@code task} on {@code executor} after {@code delayNanos}. */
    Cancellable schedule(Executor executor, Runnable task, long delayNanos);

    /** Stops every thread this scheduler started; queued tasks are discarded. */
    @Override
    void close();

    /** A scheduled task that can be cancelled. */
    interface Cancellable {
        void cancel();
    }
}
