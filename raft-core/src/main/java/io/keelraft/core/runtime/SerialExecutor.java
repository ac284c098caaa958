package io.keelraft.core.runtime;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on threads borrowed from a shared pool: what gives each of many
 * groups its own "thread" (apply, snapshot, term/vote) without a thread per group. At most one pool thread runs
 * this executor's tasks at any moment, and each task's effects are visible to the next (the hand-over goes through
 * {@link #pending}'s atomic counter).
 */
final class SerialExecutor implements Executor {

    private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);
    /** Tasks run per turn before the executor yields its pool thread to other groups' executors. */
    private static final int TASKS_PER_TURN = 256;

    private final Executor pool;
    private final String name;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Tasks queued and not yet finished; the thread that raises it from 0 schedules a turn. */
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    SerialExecutor(Executor pool, String name) {
        this.pool = pool;
        this.name = name;
    }

    @Override
    public void execute(Runnable task) {
        if (closed.get()) {
            throw new RejectedExecutionException(name + " is closed");
        }
        tasks.add(task);
        if (pending.getAndIncrement() == 0) {
            pool.execute(this::turn);
        }
    }

    private void turn() {
        for (int i = 0; i < TASKS_PER_TURN; i++) {
            Runnable task = tasks.poll();
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                LOG.error("{}: a task failed", name, e);
            }
            if (pending.decrementAndGet() == 0) {
                return;
            }
        }
        pool.execute(this::turn); // more are queued: let other executors' turns run first
    }

    /**
     * Rejects every task from now on, then waits (at most {@code timeoutNanos}) until the tasks already queued
     * have run.
     */
    void closeAndDrain(long timeoutNanos) {
        CountDownLatch drained = new CountDownLatch(1);
        try {
            execute(drained::countDown);
        } catch (RejectedExecutionException alreadyClosed) {
            return;
        } finally {
            closed.set(true);
        }
        try {
            drained.await(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
