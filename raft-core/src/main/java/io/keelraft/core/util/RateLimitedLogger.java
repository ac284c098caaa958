package io.keelraft.core.util;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.helpers.MessageFormatter;

/**
 * A WARN line for events that someone outside the server decides the number of — clients dropping their
 * connections, accepts failing while the process is out of file descriptors — written at most once per
 * interval. The events in between are counted (and logged at DEBUG), and the next line says how many there
 * were, so a flood costs one line per interval instead of filling the disk.
 *
 * <p>An {@link IOException} (connection reset, broken pipe, too many open files) is an ordinary event of the
 * outside world: its line carries the exception's message, no stack trace. Anything else is a bug worth a
 * stack trace, which the line then carries.
 *
 * <p>Thread-safe: one instance is meant to be shared by all the connections it speaks for.
 */
public final class RateLimitedLogger {

    /** Where lines go: the logger in production, a recorder in tests. */
    interface Sink {
        void warn(String line, Throwable stackTrace);

        void debug(String line);
    }

    private final Sink sink;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private boolean loggedOnce; // guarded by this
    private long lastLogged; // guarded by this
    private long suppressed; // guarded by this

    /**
     * @param logger   the logger the lines go to
     * @param interval at most one WARN line per interval
     */
    public RateLimitedLogger(Logger logger, Duration interval) {
        this(new Sink() {
            @Override
            public void warn(String line, Throwable stackTrace) {
                if (stackTrace == null) {
                    logger.warn(line);
                } else {
                    logger.warn(line, stackTrace);
                }
            }

            @Override
            public void debug(String line) {
                if (logger.isDebugEnabled()) {
                    logger.debug(line);
                }
            }
        }, interval, System::nanoTime);
    }

    RateLimitedLogger(Sink sink, Duration interval, LongSupplier nanoClock) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
        if (intervalNanos <= 0) {
            throw new IllegalArgumentException("interval must be positive, was " + interval);
        }
    }

    /**
     * Logs one event: at WARN unless a line was written less than an interval ago, else counted.
     *
     * @param cause  what happened, or null; an {@link IOException} is shown by its message only
     * @param format an SLF4J format ({@code {}} placeholders) for {@code args}
     * @return whether a WARN line was written
     */
    public boolean warn(Throwable cause, String format, Object... args) {
        String message = MessageFormatter.arrayFormat(format, args).getMessage();
        if (cause != null) {
            message = message + ": " + cause;
        }
        long quiet;
        synchronized (this) {
            long now = nanoClock.getAsLong();
            if (loggedOnce && now - lastLogged < intervalNanos) {
                suppressed++;
                quiet = -1;
            } else {
                loggedOnce = true;
                lastLogged = now;
                quiet = suppressed;
                suppressed = 0;
            }
        }
        if (quiet < 0) {
            sink.debug(message);
            return false;
        }
        if (quiet > 0) {
            message = message + " (and " + quiet + " more like it since the last such line, logged at DEBUG)";
        }
        sink.warn(message, cause == null || cause instanceof IOException ? null : cause);
        return true;
    }
}
