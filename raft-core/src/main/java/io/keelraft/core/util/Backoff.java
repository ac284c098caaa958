package io.keelraft.core.util;

import java.util.random.RandomGenerator;

/**
 * Delays between retries of something that keeps failing: exponential from {@code min} up to {@code max}, each
 * drawn at random from the upper half of its step ("equal jitter"), so that retries neither hammer a peer that is
 * cut off nor fall into step with other servers' retries. Not thread-safe: confined to its user's thread.
 */
public final class Backoff {

    private final long minNanos;
    private final long maxNanos;
    private final RandomGenerator random;
    private int failures;

    /**
     * @param minNanos the first delay's step (positive)
     * @param maxNanos the largest step (at least {@code minNanos})
     */
    public Backoff(long minNanos, long maxNanos, RandomGenerator random) {
        if (minNanos <= 0 || maxNanos < minNanos) {
            throw new IllegalArgumentException("need 0 < min <= max, got " + minNanos + ", " + maxNanos);
        }
        this.minNanos = minNanos;
        this.maxNanos = maxNanos;
        this.random = random;
    }

    /** Counts one more failure and returns the delay before the next attempt, in nanoseconds. */
    public long nextDelayNanos() {
        int doublings = Math.min(failures, 40);
        failures++;
        long step = minNanos << doublings;
        if (step <= 0 || step > maxNanos || (step >> doublings) != minNanos) {
            step = maxNanos; // capped (or the shift overflowed)
        }
        long half = step / 2;
        return half + random.nextLong(step - half + 1);
    }

    /** Failures since the last {@link #reset}. */
    public int failures() {
        return failures;
    }

    /** The operation succeeded: the next failure starts again from {@code min}. */
    public void reset() {
        failures = 0;
    }
}
