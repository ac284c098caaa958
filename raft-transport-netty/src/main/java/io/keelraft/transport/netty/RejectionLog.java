package io.keelraft.transport.netty;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log lines for connections closed on bad input. Whoever can reach the port decides how many of those
 * there are, so at most {@code burst} per {@code window} are warnings; the rest are logged at DEBUG and counted
 * in the next warning. Every rejection is counted in {@link TransportMetrics} regardless.
 */
final class RejectionLog {

    private static final Logger LOG = LoggerFactory.getLogger(RejectionLog.class);

    private final int burst;
    private final long windowNanos;
    private long windowStart = System.nanoTime();
    private int warnedInWindow;
    private long suppressed;

    RejectionLog(int burst, long windowNanos) {
        this.burst = burst;
        this.windowNanos = windowNanos;
    }

    /** Ten warnings per ten seconds. */
    static RejectionLog standard() {
        return new RejectionLog(10, 10_000_000_000L);
    }

    void rejected(String connection, Rejection rejection, String detail) {
        long quiet = 0;
        synchronized (this) {
            long now = System.nanoTime();
            if (now - windowStart >= windowNanos) {
                windowStart = now;
                warnedInWindow = 0;
            }
            if (warnedInWindow >= burst) {
                suppressed++;
                LOG.debug("closing {}: {}: {}", connection, rejection, detail);
                return;
            }
            warnedInWindow++;
            quiet = suppressed;
            suppressed = 0;
        }
        if (quiet > 0) {
            LOG.warn("closing {}: {}: {} ({} more connection(s) closed on bad input were logged at DEBUG only)",
                    connection, rejection, detail, quiet);
        } else {
            LOG.warn("closing {}: {}: {}", connection, rejection, detail);
        }
    }
}
