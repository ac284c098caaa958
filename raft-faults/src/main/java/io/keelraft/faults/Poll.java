package io.keelraft.faults;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition of the cluster by asking it again at a fixed interval, up to a deadline. */
final class Poll {

    private Poll() {
    }

    /** True as soon as {@code condition} holds; false once {@code timeout} has passed without it. */
    static boolean until(BooleanSupplier condition, Duration timeout, Duration interval) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0 || Thread.currentThread().isInterrupted()) {
                return false;
            }
            pause(interval);
        }
    }

    /** Sleeps, keeping the interrupt flag (callers then see it and stop). */
    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
