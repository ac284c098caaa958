package io.keelraft.core.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void doublesFromMinToMaxWithEqualJitterAndStartsAgainAfterReset() {
        Backoff b = new Backoff(100, 1000, new SplittableRandom(1));
        long[] steps = {100, 200, 400, 800, 1000, 1000, 1000};
        for (long step : steps) {
            assertThat(b.nextDelayNanos()).isBetween(step / 2, step);
        }
        assertThat(b.failures()).isEqualTo(steps.length);
        b.reset();
        assertThat(b.nextDelayNanos()).isBetween(50L, 100L);
    }

    @Test
    void neverOverflowsAfterManyFailures() {
        Backoff b = new Backoff(1_000_000, Long.MAX_VALUE / 2, new SplittableRandom(2));
        for (int i = 0; i < 200; i++) {
            assertThat(b.nextDelayNanos()).isPositive();
        }
        assertThatThrownBy(() -> new Backoff(0, 10, new SplittableRandom()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
