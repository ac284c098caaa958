package io.keelraft.core.runtime;

import io.keelraft.core.StorageException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A failing log store (a full disk, an I/O error), seen from the raft loop: when to try appending again, and what
 * to log. The server rides the outage through instead of stopping — the log writer repairs its files and probes
 * the disk by itself ({@code LogWriter}) — so an operator who frees space gets the server back without a restart.
 * Logs one ERROR when the outage starts, one WARN per {@link #REPEAT_LOG_NANOS} while it lasts, one INFO at the
 * end; retries back off from 100 ms to 2 s.
 *
 * <p>Raft-loop confined, except {@link #problem()}, which any thread may read.
 */
final class StorageOutage {

    private static final Logger LOG = LoggerFactory.getLogger(StorageOutage.class);
    private static final long FIRST_RETRY_NANOS = 100_000_000L;
    private static final long MAX_RETRY_NANOS = 2_000_000_000L;
    static final long REPEAT_LOG_NANOS = 30_000_000_000L;

    private final String serverId;
    private final LongSupplier clock;
    private volatile String problem;
    private long since;
    private long nextRetry;
    private long delay;
    private long lastLogged;
    private int failures;

    StorageOutage(String serverId, LongSupplier clock) {
        this.serverId = serverId;
        this.clock = clock;
    }

    /** A write failed: schedules the next attempt. */
    void failed(StorageException cause) {
        long now = clock.getAsLong();
        failures++;
        if (problem == null) {
            since = now;
            lastLogged = now;
            delay = FIRST_RETRY_NANOS;
            LOG.error("{}: the log store failed a write; this server takes no writes and will not lead until the "
                    + "disk works again (it keeps following and serving reads, and retries by itself): {}", serverId,
                    cause.getMessage());
        } else {
            delay = Math.min(delay * 2, MAX_RETRY_NANOS);
            if (now - lastLogged >= REPEAT_LOG_NANOS) {
                lastLogged = now;
                LOG.warn("{}: the log store still fails after {} s ({} failed attempts): {}", serverId,
                        (now - since) / 1_000_000_000L, failures, cause.getMessage());
            }
        }
        problem = cause.getMessage();
        nextRetry = now + delay;
    }

    /** True when the store is failing and the next attempt is due. */
    boolean retryDue() {
        return problem != null && clock.getAsLong() - nextRetry >= 0;
    }

    /** Pushes the next attempt back after one was made (its outcome arrives through {@link #failed} or not). */
    void retried() {
        nextRetry = clock.getAsLong() + delay;
    }

    /** A write became durable: the outage, if any, is over. */
    void writeSucceeded() {
        if (problem != null) {
            LOG.info("{}: the log store works again after {} ms; this server takes writes again", serverId,
                    (clock.getAsLong() - since) / 1_000_000L);
            problem = null;
            failures = 0;
        }
    }

    /**
     * Runs {@code write} (a term/vote save, on the log writer) until it succeeds or {@code stop} says the server
     * closed, backing off between attempts. Retrying in place keeps saves in order — a later, newer term/vote
     * never overtakes an older one that is still being retried — and the messages that wait for it (votes,
     * thesis §3.4) simply wait longer, which is safe.
     *
     * @return false when stopped before the write succeeded
     */
    static boolean retryUntilSaved(String serverId, String what, Runnable write,
                                   java.util.function.BooleanSupplier stop) {
        long delay = FIRST_RETRY_NANOS;
        long started = System.nanoTime();
        long lastLogged = 0;
        for (int attempt = 1; ; attempt++) {
            try {
                write.run();
                if (attempt > 1) {
                    LOG.info("{}: saved {} after {} attempts ({} ms)", serverId, what, attempt,
                            (System.nanoTime() - started) / 1_000_000L);
                }
                return true;
            } catch (StorageException e) {
                if (attempt == 1 || System.nanoTime() - lastLogged >= REPEAT_LOG_NANOS) {
                    lastLogged = System.nanoTime();
                    LOG.error("{}: could not save {} (attempt {}), retrying until the disk works again: {}", serverId,
                            what, attempt, e.getMessage());
                }
            }
            if (stop.getAsBoolean()) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(delay);
            if (Thread.currentThread().isInterrupted() || stop.getAsBoolean()) {
                return false;
            }
            delay = Math.min(delay * 2, MAX_RETRY_NANOS);
        }
    }

    /** What is wrong with the store, or null while it works. */
    String problem() {
        return problem;
    }
}
