package io.keelraft.core.runtime;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;

/**
 * Where user futures complete: on the executor the user named, or else on the group's apply thread — never on
 * the raft loop, whose every microsecond is every group member's latency, and never inline on a thread that
 * must not run user code. A completion that starts on the apply thread (a command's result) runs in place when
 * no executor was named, so the common path costs no extra hand-off.
 */
final class Callbacks {

    private final Executor user;
    private final Executor applyThread;
    private final BooleanSupplier onApplyThread;

    /**
     * @param user          the executor given to {@code RaftNode.Builder#callbackExecutor}, or null
     * @param applyThread   the group's apply thread (runs tasks in place on the caller once it has stopped)
     * @param onApplyThread whether the calling thread is running an apply-thread task now
     */
    Callbacks(Executor user, Executor applyThread, BooleanSupplier onApplyThread) {
        this.user = user;
        this.applyThread = applyThread;
        this.onApplyThread = onApplyThread;
    }

    /** Runs {@code completion} where user code may run: the user's executor or the apply thread. */
    void deliver(Runnable completion) {
        if (user != null) {
            try {
                user.execute(completion);
                return;
            } catch (RejectedExecutionException shutDown) {
                // The application shut its executor down first: fall back to the apply thread, never drop.
            }
        }
        if (onApplyThread.getAsBoolean()) {
            completion.run();
        } else {
            applyThread.execute(completion);
        }
    }

    /** A future for the user that completes, through {@link #deliver}, as {@code internal} does. */
    <T> CompletableFuture<T> delivered(CompletableFuture<T> internal) {
        CompletableFuture<T> out = new CompletableFuture<>();
        internal.whenComplete((v, e) -> deliver(() -> {
            if (e != null) {
                out.completeExceptionally(unwrap(e));
            } else {
                out.complete(v);
            }
        }));
        return out;
    }

    static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }
}
