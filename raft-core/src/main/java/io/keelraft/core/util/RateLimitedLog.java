package io.keelraft.core.util;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Log lines for failures that can repeat at a high rate — a retry failing again and again while a peer is cut
 * off — written at most once per interval for each key (say, a peer's id). Lines in between are counted, logged
 * at DEBUG only, and the next line written says how many there were. One failure is worth a line; the same
 * failure ten thousand times a second is worth one line per interval, and must never fill the disk (issue 16:
 * 133,868 lines in 54 s).
 *
 * <p>Keys should come from a small set (peer ids, failure kinds): a window is kept for each. Thread-safe.
 */
public final class RateLimitedLog {

    /** The level a line is written at. */
    public enum Level { DEBUG, INFO, WARN, ERROR }

    private static final class Window {
        boolean used;
        long lastNanos;
        long suppressed;
        long suppressedSinceNanos;
    }

    private final Logger log;
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    /** At most one line per {@code interval} per key, on the system's monotonic clock. */
    public RateLimitedLog(Logger log, Duration interval) {
        this(log, interval, System::nanoTime);
    }

    /** The same on another clock (tests, the simulator's virtual time). */
    public RateLimitedLog(Logger log, Duration interval, LongSupplier nanoTime) {
        this.log = Objects.requireNonNull(log, "log");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive, was " + interval);
        }
        this.intervalNanos = interval.toNanos();
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /** {@link #log} at INFO. */
    public boolean info(String key, String format, Object... args) {
        return log(Level.INFO, key, format, args);
    }

    /** {@link #log} at WARN. */
    public boolean warn(String key, String format, Object... args) {
        return log(Level.WARN, key, format, args);
    }

    /**
     * Writes the line (an SLF4J format; a trailing Throwable argument is logged as one) unless a line of the same
     * {@code key} was written less than an interval ago; then it goes to DEBUG and is counted.
     *
     * @return true when the line was written at {@code level}
     */
    public boolean log(Level level, String key, String format, Object... args) {
        Window w = windows.computeIfAbsent(key, k -> new Window());
        long suppressed;
        long suppressedForNanos;
        synchronized (w) {
            long now = nanoTime.getAsLong();
            if (w.used && now - w.lastNanos < intervalNanos) {
                if (w.suppressed++ == 0) {
                    w.suppressedSinceNanos = now;
                }
                suppressed = -1;
                suppressedForNanos = 0;
            } else {
                suppressed = w.suppressed;
                suppressedForNanos = now - w.suppressedSinceNanos;
                w.used = true;
                w.lastNanos = now;
                w.suppressed = 0;
            }
        }
        if (suppressed < 0) {
            if (log.isDebugEnabled()) {
                log.debug(format, args);
            }
            return false;
        }
        String line = suppressed == 0 ? format : format + " (" + suppressed + " more like it in the last "
                + Math.max(1, suppressedForNanos / 1_000_000) + " ms, logged at DEBUG only)";
        switch (level) {
            case DEBUG -> log.debug(line, args);
            case INFO -> log.info(line, args);
            case WARN -> log.warn(line, args);
            case ERROR -> log.error(line, args);
        }
        return true;
    }

    /**
     * {@link #log} at WARN for an event someone outside the server decides the number of (a client dropping its
     * connection, an accept failing while descriptors run out): {@code cause} is appended to the line; an
     * {@link java.io.IOException} — an ordinary event of the outside world — by its message only, anything else
     * (a bug) with its stack trace.
     */
    public boolean warnAbout(String key, Throwable cause, String format, Object... args) {
        if (cause == null) {
            return log(Level.WARN, key, format, args);
        }
        boolean trace = !(cause instanceof java.io.IOException);
        Object[] all = java.util.Arrays.copyOf(args, args.length + (trace ? 2 : 1));
        all[args.length] = cause.toString();
        if (trace) {
            all[args.length + 1] = cause; // a trailing Throwable: SLF4J logs its stack trace
        }
        return log(Level.WARN, key, format + ": {}", all);
    }

    /** Forgets {@code key}'s window (the failure is over): its next line is written at once. */
    public void reset(String key) {
        windows.remove(key);
    }
}
