package io.keelraft.core.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** Real threads and the system clock: each serial executor is one named daemon thread, plus one timer thread. */
public final class ThreadScheduler extends SystemTime {

    private final String prefix;
    private final ScheduledThreadPoolExecutor timer;
    private final List<ExecutorService> executors = new ArrayList<>();

    /** Thread names start with {@code prefix} (e.g. "keel-n1"). */
    public ThreadScheduler(String prefix) {
        this.prefix = prefix;
        this.timer = new ScheduledThreadPoolExecutor(1, r -> daemon(r, prefix + "-timer"));
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    ScheduledExecutorService timer() {
        return timer;
    }

    @Override
    public synchronized Executor serialExecutor(String name) {
        ThreadPoolExecutor e = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                r -> daemon(r, prefix + "-" + name));
        executors.add(e);
        return e;
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
