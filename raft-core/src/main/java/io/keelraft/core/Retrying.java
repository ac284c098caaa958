package io.keelraft.core;

import io.keelraft.core.runtime.NodeRuntime;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Retries an operation that is safe to repeat — a session command (the session table applies it once) or the
 * opening of a session (an extra one just expires) — through leader changes and timeouts, with exponential
 * backoff on the node's scheduler. Failures that no retry can cure are passed through at once.
 */
final class Retrying {

    static final int MAX_ATTEMPTS = 20;
    private static final long FIRST_BACKOFF_NANOS = 20_000_000L;

    private Retrying() {
    }

    /** Runs {@code attempt} until it succeeds, fails for good, or {@link #MAX_ATTEMPTS} attempts failed. */
    static <T> CompletableFuture<T> until(NodeRuntime runtime, Supplier<CompletableFuture<T>> attempt) {
        CompletableFuture<T> out = new CompletableFuture<>();
        run(runtime, attempt, 1, runtime.nanoTime() + runtime.requestTimeoutNanos(), out);
        return out;
    }

    private static <T> void run(NodeRuntime runtime, Supplier<CompletableFuture<T>> attempt, int number,
                                long deadline, CompletableFuture<T> out) {
        attempt.get().whenComplete((result, e) -> {
            long backoff = FIRST_BACKOFF_NANOS << Math.min(number - 1, 5);
            if (e == null) {
                out.complete(result);
            } else if (retryable(e) && number < MAX_ATTEMPTS && runtime.nanoTime() + backoff < deadline) {
                runtime.schedule(() -> run(runtime, attempt, number + 1, deadline, out), backoff);
            } else {
                out.completeExceptionally(e);
            }
        });
    }

    private static boolean retryable(Throwable failure) {
        // Attempts built with thenCompose/thenApply fail with a CompletionException around the cause.
        Throwable e = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        return !(e instanceof ShutdownException) && !(e instanceof SessionExpiredException)
                && !(e instanceof NotMemberException)
                && !(e instanceof IllegalArgumentException) && !(e instanceof IllegalStateException);
    }
}
