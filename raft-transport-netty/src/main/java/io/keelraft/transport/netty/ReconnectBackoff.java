package io.keelraft.transport.netty;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Delays between attempts to reach a peer: exponential from {@code min} up to {@code max}, each drawn at
 * random from the upper half of its step ("equal jitter"), so that servers which lost a peer together do not
 * all knock again at the same instant. Confined to one thread (the peer's event loop).
 */
final class ReconnectBackoff {

    private final long minMillis;
    private final long maxMillis;
    private final RandomGenerator random;
    private int failures;

    ReconnectBackoff(Duration min, Duration max, RandomGenerator random) {
        this.minMillis = Math.max(1, min.toMillis());
        this.maxMillis = Math.max(minMillis, max.toMillis());
        this.random = random;
    }

    /** The delay before the next attempt, after one more failure. */
    long nextDelayMillis() {
        return nextDelayMillis(maxMillis);
    }

    /** The same, capped at {@code capMillis} (at least {@code min}, at most {@code max}) for this attempt. */
    long nextDelayMillis(long capMillis) {
        long cap = Math.max(minMillis, Math.min(maxMillis, capMillis));
        int doublings = Math.min(failures, 30);
        failures++;
        long step = Math.min(cap, minMillis << doublings);
        long half = step / 2;
        return half + random.nextLong(step - half + 1);
    }

    /** Failures since the last success. */
    int failures() {
        return failures;
    }

    /** A connection got through: the next failure starts again from {@code min}. */
    void reset() {
        failures = 0;
    }
}
