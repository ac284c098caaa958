package io.keelraft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {

    private final ReconnectBackoff backoff = new ReconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(5),
            new SplittableRandom(7));

    @Test
    void doublesPerFailureWithJitterInTheUpperHalfUpToTheMaximum() {
        long step = 100;
        for (int failure = 0; failure < 40; failure++) {
            long delay = backoff.nextDelayMillis();
            assertThat(delay).as("failure %d", failure).isBetween(step / 2, step);
            step = Math.min(5_000, step * 2);
        }
        assertThat(backoff.failures()).isEqualTo(40);
    }

    @Test
    void jitterSpreadsServersThatFailedTogether() {
        ReconnectBackoff other = new ReconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(5),
                new SplittableRandom(8));
        int differ = 0;
        for (int i = 0; i < 10; i++) {
            if (backoff.nextDelayMillis() != other.nextDelayMillis()) {
                differ++;
            }
        }
        assertThat(differ).isGreaterThan(5);
    }

    @Test
    void anUnreachablePeerIsRedialledWithinTheCapAndARefusingOneBacksOffToTheMaximum() {
        for (int i = 0; i < 20; i++) {
            assertThat(backoff.nextDelayMillis(250)).isBetween(50L, 250L); // a quarter of a 1 s liveness timeout
        }
        assertThat(backoff.nextDelayMillis()).isBetween(2_500L, 5_000L); // the failures so far still count
        assertThat(backoff.nextDelayMillis(1)).isBetween(50L, 100L); // never below the minimum
    }

    @Test
    void aSuccessStartsOverFromTheMinimum() {
        for (int i = 0; i < 10; i++) {
            backoff.nextDelayMillis();
        }
        backoff.reset();
        assertThat(backoff.failures()).isZero();
        assertThat(backoff.nextDelayMillis()).isBetween(50L, 100L);
    }
}
