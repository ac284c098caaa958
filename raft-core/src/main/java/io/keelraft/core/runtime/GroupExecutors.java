package io.keelraft.core.runtime;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/** What a group's executors do with a task once the group has closed and their threads are gone. */
final class GroupExecutors {

    private GroupExecutors() {
    }

    /**
     * For work that is of no use once the group has closed (snapshot I/O, reads for followers): dropped then, never
     * run on whichever thread called. Its waiters are failed by the stop; a follower's unanswered chunk times out at
     * the leader.
     */
    static Executor droppedOnceClosed(Executor e) {
        return task -> {
            try {
                e.execute(task);
            } catch (RejectedExecutionException closed) {
                // dropped
            }
        };
    }

    /**
     * For the loop and the apply thread: after close() the threads are gone and every task finds the group closed,
     * so it runs in place and fails its future instead of leaving it pending forever.
     */
    static Executor inlineOnceClosed(Executor e) {
        return task -> {
            try {
                e.execute(task);
            } catch (RejectedExecutionException closed) {
                task.run();
            }
        };
    }
}
