package io.keelraft.core;

import io.keelraft.core.runtime.RaftGroup;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Retries an operation that is safe to repeat — a session command (the session table applies it once) or the
 * opening of a session (an extra one just expires) — through leader changes and timeouts, with exponential
 * backoff on the node's scheduler. Failures that no retry can cure are passed through at once.
 *
 * <p>The failure reported at the end tells the truth about <em>all</em> attempts: when an earlier attempt may
 * have taken effect (it timed out, say) and the last one failed in a way that is certain for that attempt alone
 * (no leader known), the command's outcome is still unknown, so the last failure is reported inside an
 * {@link OutcomeUnknownException}.
 */
final class Retrying {

    static final int MAX_ATTEMPTS = 20;
    private static final long FIRST_BACKOFF_NANOS = 20_000_000L;

    private Retrying() {
    }

    /** Runs {@code attempt} until it succeeds, fails for good, or {@link #MAX_ATTEMPTS} attempts failed. */
    static <T> CompletableFuture<T> until(RaftGroup runtime, Supplier<CompletableFuture<T>> attempt) {
        CompletableFuture<T> out = new CompletableFuture<>();
        run(runtime, attempt, 1, runtime.nanoTime() + runtime.requestTimeoutNanos(), false, out);
        return out;
    }

    private static <T> void run(RaftGroup runtime, Supplier<CompletableFuture<T>> attempt, int number,
                                long deadline, boolean earlierMayHaveTakenEffect, CompletableFuture<T> out) {
        long started = runtime.nanoTime();
        attempt.get().whenComplete((result, e) -> {
            long backoff = FIRST_BACKOFF_NANOS << Math.min(number - 1, 5);
            if (e == null) {
                out.complete(result);
            } else if (retryable(e) && number < MAX_ATTEMPTS && runtime.nanoTime() + backoff < deadline
                    && !waitedForALeaderInVain(e, runtime.nanoTime() - started, runtime.requestTimeoutNanos())) {
                boolean unknown = earlierMayHaveTakenEffect || RaftException.failureMayHaveTakenEffect(e);
                runtime.schedule(() -> run(runtime, attempt, number + 1, deadline, unknown, out), backoff);
            } else {
                out.completeExceptionally(finalFailure(e, earlierMayHaveTakenEffect));
            }
        });
    }

    /**
     * True when the attempt already waited for a leader about as long as a request may take (a command or read
     * waits for one while none is known) and none came: another attempt would wait as long again.
     */
    private static boolean waitedForALeaderInVain(Throwable e, long tookNanos, long requestTimeoutNanos) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return cause instanceof NotLeaderException nl && nl.leaderId() == null && tookNanos >= requestTimeoutNanos / 2;
    }

    /**
     * What to report when the last attempt failed with {@code last}: {@code last} itself, unless it says the
     * command certainly did not take effect while an earlier attempt may have — then the outcome is unknown.
     */
    static Throwable finalFailure(Throwable last, boolean earlierMayHaveTakenEffect) {
        if (!earlierMayHaveTakenEffect || RaftException.failureMayHaveTakenEffect(last)) {
            return last;
        }
        Throwable cause = last instanceof CompletionException && last.getCause() != null ? last.getCause() : last;
        return new OutcomeUnknownException("an earlier attempt may have taken effect, so the outcome is unknown; "
                + "the last attempt failed: " + cause.getMessage(), cause);
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
