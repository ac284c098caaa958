package io.keelraft.core.runtime;

import io.keelraft.core.spi.RaftScheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** Real threads and the system clock: each serial executor is one named daemon thread, plus one timer thread. */
public final class ThreadScheduler implements RaftScheduler {

    private final String prefix;
    private final ScheduledThreadPoolExecutor timer;
    private final List<ExecutorService> executors = new ArrayList<>();

    /** Thread names start with {@code prefix} (e.g. "keel-n1"). */
    public ThreadScheduler(String prefix) {
        this.prefix = prefix;
        this.timer = new ScheduledThreadPoolExecutor(1, r -> thread(r, prefix + "-timer"));
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    private static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public long currentTimeMillis() {
        return System.currentTimeMillis();
    }

    @Override
    public synchronized Executor serialExecutor(String name) {
        ThreadPoolExecutor e = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                r -> thread(r, prefix + "-" + name));
        executors.add(e);
        return e;
    }

    @Override
    public Cancellable schedule(Executor executor, Runnable task, long delayNanos) {
        try {
            ScheduledFuture<?> f = timer.schedule(() -> executor.execute(task), delayNanos, TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        } catch (RejectedExecutionException closed) {
            return () -> { }; // closed: nothing will run, and the owner fails what was waiting
        }
    }

    @Override
    public synchronized void close() {
        timer.shutdownNow();
        for (ExecutorService e : executors) {
            e.shutdown();
        }
        for (ExecutorService e : executors) {
            try {
                if (!e.awaitTermination(5, TimeUnit.SECONDS)) {
                    e.shutdownNow();
                }
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                e.shutdownNow();
            }
        }
    }
}
