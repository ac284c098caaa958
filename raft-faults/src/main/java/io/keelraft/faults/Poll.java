package io.keelraft.faults;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** Waits for a condition of the cluster (through Awaitility), or holds a planned duration. */
final class Poll {

    private Poll() {
    }

    /**
     * True as soon as {@code condition} holds; false once {@code timeout} has passed without it. The condition is
     * asked on the calling thread (it talks to the cluster over the caller's connections), every {@code interval}.
     */
    static boolean until(BooleanSupplier condition, Duration timeout, Duration interval) {
        try {
            Awaitility.await().pollInSameThread().pollDelay(Duration.ZERO).pollInterval(interval).atMost(timeout)
                    .until(condition::getAsBoolean);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    /**
     * Holds a planned duration: a run's length, a retry's backoff. Never a wait for a state (that is {@link
     * #until}). Keeps the interrupt flag, so callers see it and stop.
     */
    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
