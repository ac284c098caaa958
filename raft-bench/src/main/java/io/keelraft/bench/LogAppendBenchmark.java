package io.keelraft.bench;

import io.keelraft.core.protocol.EntryType;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.spi.DurabilityListener;
import io.keelraft.core.StorageException;
import io.keelraft.storage.SegmentedLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Append + fsync of 128-byte entries, {@code batchSize} entries per operation, against a baseline that
 * writes the same number of bytes (each record is a 25-byte frame plus the payload) with one
 * {@code FileChannel.write} and {@code force(false)} in the same JVM and directory. One operation is one
 * batch made durable: the time per operation is the latency, {@code batchSize * 153 / time} the bytes per
 * second. The directory is {@code -Dkeel.bench.dir} (default: the system temp directory).
 *
 * <p>On a shared machine the disk's fsync latency drifts by multiples within seconds, so two benchmarks run
 * one after the other compare different disks. {@link #paired} therefore alternates short blocks of log and
 * raw batches and sums each side's time in {@link PairedTimes}: the ratio {@code logNanos / rawNanos}
 * compares the two under the same conditions.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class LogAppendBenchmark {

    private static final int PAYLOAD_BYTES = 128;
    /** The log's record frame: length, crc32c, term, index, type. */
    private static final int FRAME_BYTES = 4 + 4 + 8 + 8 + 1;
    /** Both files start over at this size, as the log rolls segments at its default size. */
    private static final long FILE_BYTES = 64L << 20;
    private static final long SPIN_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final int PAIRED_BLOCK = 8;

    @Param({"1", "16", "256"})
    public int batchSize;

    private Path dir;
    private final byte[] payload = new byte[PAYLOAD_BYTES];

    private SegmentedLog log;
    private long lastIndex;
    private volatile long durableIndex;
    private volatile Thread waiter;

    private FileChannel raw;
    private ByteBuffer rawBatch;
    private long rawPosition;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path parent = Path.of(System.getProperty("keel.bench.dir", System.getProperty("java.io.tmpdir")));
        dir = Files.createTempDirectory(parent, "keel-bench-");
        ThreadLocalRandom.current().nextBytes(payload);

        log = SegmentedLog.open(dir.resolve("log"));
        log.setDurabilityListener(new DurabilityListener() {
            @Override
            public void durable(long index, long term) {
                durableIndex = index;
                LockSupport.unpark(waiter);
            }

            @Override
            public void failed(StorageException cause) {
                throw cause;
            }
        });

        raw = FileChannel.open(dir.resolve("raw.dat"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        rawBatch = ByteBuffer.allocateDirect(batchSize * (FRAME_BYTES + PAYLOAD_BYTES));
        for (int i = 0; i < batchSize; i++) {
            rawBatch.put(new byte[FRAME_BYTES]).put(payload);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        log.close();
        raw.close();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** One batch appended to the {@link SegmentedLog} and reported durable by its writer thread. */
    @Benchmark
    public long segmentedLog() {
        List<LogEntry> batch = new ArrayList<>(batchSize);
        for (int i = 0; i < batchSize; i++) {
            batch.add(new LogEntry(++lastIndex, 1, EntryType.COMMAND, payload));
        }
        waiter = Thread.currentThread();
        log.append(batch);
        // Wait as a busy raft loop would: polling, so that the callback costs no thread wake-up (tens of
        // microseconds on a VM); parking only if the disk takes unusually long.
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (durableIndex < lastIndex && System.nanoTime() < spinUntil) {
            Thread.yield(); // not onSpinWait: with fewer free cores than threads, the writer may need this one
        }
        while (durableIndex < lastIndex) {
            LockSupport.park(this);
        }
        if (lastIndex - log.snapshotIndex() > 2 * FILE_BYTES / (FRAME_BYTES + PAYLOAD_BYTES)) {
            log.compactTo(lastIndex - 1, 1); // keep the disk use bounded, as snapshots would
        }
        return lastIndex;
    }

    /** Time spent on each side of {@link #paired}, summed over an iteration (JMH prints the sums). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class PairedTimes {
        public long logNanos;
        public long rawNanos;
        public long pairs;

        @Setup(Level.Iteration)
        public void reset() {
            logNanos = 0;
            rawNanos = 0;
            pairs = 0;
        }
    }

    /**
     * {@link #PAIRED_BLOCK} log batches and as many raw batches, timed separately, alternating which block goes
     * first. Blocks rather than single batches, so that the log's writer finds the next append while it still
     * spins, as it does when appends follow each other (a raw batch between two log batches would make every
     * log batch pay a thread wake-up that a real log under load does not).
     */
    @Benchmark
    @OperationsPerInvocation(2 * PAIRED_BLOCK)
    public long paired(PairedTimes times) throws IOException {
        long result = 0;
        boolean logFirst = (times.pairs & 1) == 0;
        for (int side = 0; side < 2; side++) {
            boolean log = (side == 0) == logFirst;
            long start = System.nanoTime();
            for (int i = 0; i < PAIRED_BLOCK; i++) {
                result += log ? segmentedLog() : rawFileChannel();
            }
            long elapsed = System.nanoTime() - start;
            if (log) {
                times.logNanos += elapsed;
            } else {
                times.rawNanos += elapsed;
            }
        }
        times.pairs += PAIRED_BLOCK;
        return result;
    }

    /** The same bytes written with one positional write and made durable with fdatasync. */
    @Benchmark
    public long rawFileChannel() throws IOException {
        if (rawPosition >= FILE_BYTES) {
            raw.truncate(0);
            rawPosition = 0;
        }
        rawBatch.clear();
        while (rawBatch.hasRemaining()) {
            rawPosition += raw.write(rawBatch, rawPosition);
        }
        raw.force(false);
        return rawPosition;
    }
}
