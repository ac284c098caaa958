package io.keelraft.bench.e2e;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.SynchronizedHistogram;

/**
 * The window accounting both loads share (WORKLOAD.md §5): a request belongs to the measurement iff it was issued
 * in [start, end); it counts in {@code ops}, with its latency in microseconds (3 significant digits), when it
 * succeeded before the window ended, and in {@code errors} when it failed or timed out, whenever that was.
 */
abstract class WindowedLoad implements Load {

    final SynchronizedHistogram latencyMicros = new SynchronizedHistogram(TimeUnit.SECONDS.toMicros(60), 3);
    final AtomicLong ops = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    private volatile long windowStart = Long.MAX_VALUE;
    private volatile long windowEnd = Long.MAX_VALUE;

    @Override
    public void window(long startNanos, long endNanos) {
        windowStart = startNanos;
        windowEnd = endNanos;
    }

    /** A request issued at {@code issued} succeeded at {@code done}. */
    final void succeeded(long issued, long done) {
        if (issued >= windowStart && issued < windowEnd && done <= windowEnd) {
            ops.incrementAndGet();
            latencyMicros.recordValue(Math.max(1, (done - issued) / 1_000));
        }
    }

    /** A request issued at {@code issued} failed or timed out. */
    final void failed(long issued) {
        if (issued >= windowStart && issued < windowEnd) {
            errors.incrementAndGet();
        }
    }

    @Override
    public long ops() {
        return ops.get();
    }

    @Override
    public long errors() {
        return errors.get();
    }

    @Override
    public SynchronizedHistogram latencyMicros() {
        return latencyMicros;
    }
}
