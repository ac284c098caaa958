package io.keelraft.testkit.linearizability;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How much work the checker may spend before it answers "unknown". Deciding linearizability is NP-complete,
 * so an unlucky history (many concurrent writes whose outcome is unknown) could otherwise search forever.
 *
 * <p>The step limit applies to each key separately and is deterministic: the same history and budget always
 * give the same answer, which a seeded simulation needs. The optional time limit covers the whole check and is
 * a safety net for interactive use; it makes answers depend on machine speed.
 */
public final class SearchBudget {

    /** One million steps per key, no time limit: far more than a healthy simulation history needs. */
    public static final SearchBudget DEFAULT = steps(1_000_000);

    private final long maxStepsPerKey;
    private final Duration timeLimit;
    private final long limitNanos;

    private SearchBudget(long maxStepsPerKey, Duration timeLimit) {
        if (maxStepsPerKey <= 0) {
            throw new IllegalArgumentException("maxStepsPerKey must be positive: " + maxStepsPerKey);
        }
        if (timeLimit != null && (timeLimit.isNegative() || timeLimit.isZero())) {
            throw new IllegalArgumentException("timeLimit must be positive: " + timeLimit);
        }
        this.maxStepsPerKey = maxStepsPerKey;
        this.timeLimit = timeLimit;
        // Saturate: toNanos() overflows past ~292 years, and no check should run that long anyway.
        this.limitNanos = timeLimit == null ? Long.MAX_VALUE
                : timeLimit.compareTo(Duration.ofDays(365)) > 0 ? Duration.ofDays(365).toNanos() : timeLimit.toNanos();
    }

    /** At most {@code maxStepsPerKey} search steps for each key, with no time limit. */
    public static SearchBudget steps(long maxStepsPerKey) {
        return new SearchBudget(maxStepsPerKey, null);
    }

    /** This budget, also stopping the whole check after {@code limit} of wall-clock time. */
    public SearchBudget withTimeLimit(Duration limit) {
        return new SearchBudget(maxStepsPerKey, Objects.requireNonNull(limit, "limit"));
    }

    /** Search steps allowed per key. A step tries one operation at one point of a candidate order. */
    public long maxStepsPerKey() {
        return maxStepsPerKey;
    }

    /** Wall-clock limit for the whole check, if any. */
    public Optional<Duration> timeLimit() {
        return Optional.ofNullable(timeLimit);
    }

    /** True when the time limit, counted from {@code startNanos} ({@link System#nanoTime}), has passed. */
    boolean expired(long startNanos) {
        return timeLimit != null && System.nanoTime() - startNanos > limitNanos;
    }

    @Override
    public String toString() {
        return maxStepsPerKey + " steps per key" + (timeLimit == null ? "" : ", " + timeLimit + " in all");
    }
}
