package io.keelraft.storage;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/** Awaitility, polling every millisecond from the start: storage callbacks arrive in well under that. */
final class Waits {

    private Waits() {
    }

    static ConditionFactory await() {
        return Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(1));
    }
}
