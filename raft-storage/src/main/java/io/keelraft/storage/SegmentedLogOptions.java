package io.keelraft.storage;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link SegmentedLog}. Start from {@link #defaults()} and change what you need:
 * {@code SegmentedLogOptions.defaults().withSegmentBytes(16 << 20)}.
 *
 * @param segmentBytes      size at which a segment file is closed and the next one started (a single larger
 *                          record gets a segment of its own); default 64 MiB
 * @param cacheBytes        recent entries kept in memory so that followers that keep up are served without
 *                          reading the disk, counted as {@link io.keelraft.core.protocol.LogEntry#sizeInBytes()};
 *                          default 32 MiB
 * @param retryInitialDelay after a disk error, the first wait before probing the disk again; doubled after
 *                          each failed probe up to {@code retryMaxDelay}; default 10 ms
 * @param retryMaxDelay     the longest wait between probes; default 1 s
 * @param unsafeSkipFsync   <b>tests only</b>: never force data to disk. Entries are reported durable when
 *                          they are merely written, so a power loss can lose acknowledged entries; default false
 * @param preallocate       fill the next segment file with zeros (on a background thread) before it is used, so
 *                          that each group commit's fdatasync flushes data only, not a grown file size; costs
 *                          one spare segment of disk space; default true
 */
public record SegmentedLogOptions(
        long segmentBytes,
        long cacheBytes,
        Duration retryInitialDelay,
        Duration retryMaxDelay,
        boolean unsafeSkipFsync,
        boolean preallocate) {

    /** Smallest allowed segment size: a header and a few records. */
    public static final long MIN_SEGMENT_BYTES = 1024;
    /** Largest allowed segment size: record positions are kept as ints. */
    public static final long MAX_SEGMENT_BYTES = 1L << 30;

    public SegmentedLogOptions {
        if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
            throw new IllegalArgumentException("segmentBytes must be in [" + MIN_SEGMENT_BYTES + ", "
                    + MAX_SEGMENT_BYTES + "], was " + segmentBytes);
        }
        if (cacheBytes < 0) {
            throw new IllegalArgumentException("cacheBytes must be >= 0, was " + cacheBytes);
        }
        Objects.requireNonNull(retryInitialDelay, "retryInitialDelay");
        Objects.requireNonNull(retryMaxDelay, "retryMaxDelay");
        if (retryInitialDelay.isNegative() || retryInitialDelay.isZero() || retryMaxDelay.compareTo(retryInitialDelay) < 0) {
            throw new IllegalArgumentException("need 0 < retryInitialDelay <= retryMaxDelay, was "
                    + retryInitialDelay + " and " + retryMaxDelay);
        }
    }

    /** 64 MiB segments, a 32 MiB cache, disk probes from 10 ms to 1 s apart, fsync on. */
    public static SegmentedLogOptions defaults() {
        return new SegmentedLogOptions(64L << 20, 32L << 20, Duration.ofMillis(10), Duration.ofSeconds(1), false, true);
    }

    public SegmentedLogOptions withSegmentBytes(long segmentBytes) {
        return new SegmentedLogOptions(segmentBytes, cacheBytes, retryInitialDelay, retryMaxDelay, unsafeSkipFsync, preallocate);
    }

    public SegmentedLogOptions withCacheBytes(long cacheBytes) {
        return new SegmentedLogOptions(segmentBytes, cacheBytes, retryInitialDelay, retryMaxDelay, unsafeSkipFsync, preallocate);
    }

    public SegmentedLogOptions withRetryDelays(Duration initial, Duration max) {
        return new SegmentedLogOptions(segmentBytes, cacheBytes, initial, max, unsafeSkipFsync, preallocate);
    }

    /** <b>Tests only</b>: see {@link #unsafeSkipFsync()}. */
    public SegmentedLogOptions withUnsafeSkipFsync(boolean unsafeSkipFsync) {
        return new SegmentedLogOptions(segmentBytes, cacheBytes, retryInitialDelay, retryMaxDelay, unsafeSkipFsync, preallocate);
    }

    /** See {@link #preallocate()}. */
    public SegmentedLogOptions withPreallocate(boolean preallocate) {
        return new SegmentedLogOptions(segmentBytes, cacheBytes, retryInitialDelay, retryMaxDelay, unsafeSkipFsync,
                preallocate);
    }
}
