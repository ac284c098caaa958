package io.keelraft.core.runtime;

import io.keelraft.core.spi.RaftScheduler;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** Real time for a {@link RaftScheduler}: the system clocks, and a timer that hands due tasks to their executor. */
abstract class SystemTime implements RaftScheduler {

    /** The timer thread's executor. */
    abstract ScheduledExecutorService timer();

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public long currentTimeMillis() {
        return System.currentTimeMillis();
    }

    @Override
    public Cancellable schedule(Executor executor, Runnable task, long delayNanos) {
        try {
            ScheduledFuture<?> f = timer().schedule(() -> {
                try {
                    executor.execute(task);
                } catch (RejectedExecutionException closed) {
                    // closed meanwhile: nothing waits for this task any more
                }
            }, delayNanos, TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        } catch (RejectedExecutionException closed) {
            return () -> { }; // closed: nothing will run, and the owner fails what was waiting
        }
    }

    /** A daemon thread named {@code name}: every thread Keel starts has a name. */
    static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
