package io.keelraft.core.runtime;

import io.keelraft.core.spi.RaftScheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads shared by many groups in one process: {@code loops} raft loops, each the loop of every group pinned to
 * it (a group is an actor: all its state lives on its loop, so groups need no loop of their own), a pool of
 * {@code workers} threads that runs each group's apply, snapshot and term/vote work on serial executors of its
 * own, and one timer. The number of threads does not depend on the number of groups.
 *
 * <pre>{@code
 * try (SharedThreads threads = new SharedThreads("keel", 2, 4)) {
 *     RaftNode a = RaftNode.builder()...scheduler(threads.forGroup("a")).build();
 *     RaftNode b = RaftNode.builder()...scheduler(threads.forGroup("b")).build();
 * }
 * }</pre>
 *
 * <p>Close every group before closing this.
 */
public final class SharedThreads implements AutoCloseable {

    private final String prefix;
    private final List<ThreadPoolExecutor> loops = new ArrayList<>();
    private final ThreadPoolExecutor workers;
    private final ScheduledThreadPoolExecutor timer;
    private final AtomicInteger nextLoop = new AtomicInteger();

    /**
     * @param prefix  thread names start with it: {@code prefix-loop-0}, {@code prefix-worker-0}, {@code prefix-timer}
     * @param loops   raft loops (groups are pinned to them round-robin)
     * @param workers threads for the groups' apply, snapshot and term/vote work
     */
    public SharedThreads(String prefix, int loops, int workers) {
        if (loops < 1 || workers < 1) {
            throw new IllegalArgumentException("need at least one loop and one worker, got " + loops + " and "
                    + workers);
        }
        this.prefix = prefix;
        for (int i = 0; i < loops; i++) {
            String name = prefix + "-loop-" + i;
            this.loops.add(new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                    r -> SystemTime.daemon(r, name)));
        }
        AtomicInteger worker = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                r -> SystemTime.daemon(r, prefix + "-worker-" + worker.getAndIncrement()));
        this.timer = new ScheduledThreadPoolExecutor(1, r -> SystemTime.daemon(r, prefix + "-timer"));
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /**
     * Time and threads for one group: its raft loop is one of the shared loops, its other serial executors run on
     * the shared workers. Closing the returned scheduler stops only this group's executors.
     */
    public RaftScheduler forGroup(String group) {
        ThreadPoolExecutor loop = loops.get(Math.floorMod(nextLoop.getAndIncrement(), loops.size()));
        return new GroupThreads(group, loop);
    }

    /** Stops every shared thread; queued tasks are discarded. */
    @Override
    public void close() {
        timer.shutdownNow();
        workers.shutdown();
        loops.forEach(ExecutorService::shutdown);
        awaitQuietly(workers);
        loops.forEach(SharedThreads::awaitQuietly);
    }

    private static void awaitQuietly(ExecutorService e) {
        try {
            if (!e.awaitTermination(5, TimeUnit.SECONDS)) {
                e.shutdownNow();
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            e.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "SharedThreads{" + prefix + ", " + loops.size() + " loops, " + workers.getMaximumPoolSize()
                + " workers}";
    }

    /** One group's view: its loop lane on a shared loop, its serial executors on the shared workers. */
    private final class GroupThreads extends SystemTime {
        private final String group;
        private final ThreadPoolExecutor loop;
        private final List<SerialExecutor> executors = new ArrayList<>();
        private final List<LoopLane> lanes = new ArrayList<>();

        GroupThreads(String group, ThreadPoolExecutor loop) {
            this.group = group;
            this.loop = loop;
        }

        @Override
        ScheduledExecutorService timer() {
            return timer;
        }

        @Override
        public synchronized Executor serialExecutor(String name) {
            if (name.equals("raft")) {
                LoopLane lane = new LoopLane(loop, group);
                lanes.add(lane);
                return lane;
            }
            SerialExecutor e = new SerialExecutor(workers, group + "-" + name);
            executors.add(e);
            return e;
        }

        /**
         * Stops this group's executors after the tasks already queued on them have run (as closing a group's
         * own threads does), waiting a bounded time; the shared threads go on serving other groups.
         */
        @Override
        public synchronized void close() {
            lanes.forEach(LoopLane::closeAndDrain);
            for (SerialExecutor e : executors) {
                e.closeAndDrain(TimeUnit.SECONDS.toNanos(5));
            }
        }
    }

    /** A group's lane on a shared loop: rejects once closed, so that a closed group's tasks stop arriving. */
    private static final class LoopLane implements Executor {
        private final ThreadPoolExecutor loop;
        private final String group;
        private final AtomicBoolean closed = new AtomicBoolean();

        LoopLane(ThreadPoolExecutor loop, String group) {
            this.loop = loop;
            this.group = group;
        }

        @Override
        public void execute(Runnable task) {
            if (closed.get()) {
                throw new RejectedExecutionException("group " + group + " is closed");
            }
            loop.execute(task);
        }

        /** Rejects new tasks, then waits (bounded) until the loop has run what this group queued before. */
        void closeAndDrain() {
            closed.set(true);
            CountDownLatch drained = new CountDownLatch(1);
            try {
                loop.execute(drained::countDown);
                drained.await(5, TimeUnit.SECONDS);
            } catch (RejectedExecutionException shutDown) {
                // the shared loops are gone already
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
