package io.keelraft.bench.e2e;

import org.HdrHistogram.AbstractHistogram;

/**
 * A closed-loop client of peer-bench's workload (§3–§5): C requests in flight, counted over a measurement window.
 * {@link RespLoad} goes through the KV example's Redis protocol, {@link ClientLoad} through Keel's own client.
 */
interface Load extends AutoCloseable {

    /** Starts keeping {@code concurrency} requests in flight. */
    void start(int concurrency);

    /** The measurement window: requests issued in [start, end) are counted. */
    void window(long startNanos, long endNanos);

    /** Stops issuing; waits (bounded) for what is in flight. */
    void stopAndDrain() throws InterruptedException;

    /** Requests of the window that succeeded before it ended. */
    long ops();

    /** Requests of the window that failed or timed out. */
    long errors();

    /** Latencies of the counted requests, in microseconds. */
    AbstractHistogram latencyMicros();

    @Override
    void close();
}
