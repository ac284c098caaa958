package io.keelraft.bench.probe;

import io.keelraft.core.protocol.EntryType;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.spi.DurabilityListener;
import io.keelraft.core.StorageException;
import io.keelraft.storage.SegmentedLog;
import io.keelraft.storage.SegmentedLogOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * What segment preallocation buys: the latency of appending one 117-byte entry and seeing it durable, in two
 * {@link SegmentedLog}s side by side — one with {@link SegmentedLogOptions#preallocate()} on, one with it off —
 * alternating in blocks of 20 appends so that a shared machine's drift hits both alike.
 *
 * <pre>java -cp raft-bench/target/benchmarks.jar io.keelraft.bench.probe.PreallocationProbe [directory] [appends]</pre>
 */
public final class PreallocationProbe {

    private static final int BLOCK = 20;

    private PreallocationProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path parent = Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir"));
        int appends = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        Path dir = Files.createTempDirectory(parent, "keel-prealloc-probe");
        SegmentedLogOptions base = SegmentedLogOptions.defaults().withSegmentBytes(16 << 20);
        try (Probe on = new Probe(dir.resolve("on"), base.withPreallocate(true));
             Probe off = new Probe(dir.resolve("off"), base.withPreallocate(false))) {
            on.awaitSpare(16 << 20);
            for (int i = 0; i < 100; i++) {
                off.appendOne(); // the same warm-up for the other side
            }
            long[] onNanos = new long[appends];
            long[] offNanos = new long[appends];
            for (int i = 0; i < appends; i += BLOCK) {
                boolean onFirst = (i / BLOCK) % 2 == 0;
                for (int pass = 0; pass < 2; pass++) {
                    boolean useOn = onFirst == (pass == 0);
                    for (int j = i; j < Math.min(i + BLOCK, appends); j++) {
                        if (useOn) {
                            onNanos[j] = on.appendOne();
                        } else {
                            offNanos[j] = off.appendOne();
                        }
                    }
                }
            }
            Arrays.sort(onNanos);
            Arrays.sort(offNanos);
            System.out.printf("append + fdatasync of one entry, %d each, directory %s%n", appends, parent);
            System.out.printf("preallocated:     p50 %.3f ms, p90 %.3f ms, p99 %.3f ms%n", p(onNanos, 50), p(onNanos, 90),
                    p(onNanos, 99));
            System.out.printf("not preallocated: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms%n", p(offNanos, 50),
                    p(offNanos, 90), p(offNanos, 99));
            System.out.printf("p50 ratio preallocated / not: %.2f%n", p(onNanos, 50) / p(offNanos, 50));
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static double p(long[] sorted, double percentile) {
        return sorted[(int) Math.min(sorted.length - 1, Math.round(percentile / 100 * (sorted.length - 1)))] / 1e6;
    }

    /** One log with a single caller waiting for each append to become durable. */
    private static final class Probe implements AutoCloseable {
        private final Path dir;
        private final SegmentedLog log;
        private final AtomicLong durable = new AtomicLong();
        private final byte[] payload = new byte[117];
        private long next = 1;

        Probe(Path dir, SegmentedLogOptions options) throws Exception {
            this.dir = Files.createDirectories(dir);
            this.log = SegmentedLog.open(dir, options);
            log.setDurabilityListener(new DurabilityListener() {
                @Override
                public void durable(long index, long term) {
                    durable.set(index);
                }

                @Override
                public void failed(StorageException cause) {
                    throw cause;
                }
            });
        }

        /** Waits (at most 60 s) until the first spare is filled to its full size, then warms the log up. */
        void awaitSpare(long segmentBytes) throws java.io.IOException {
            Path spare = dir.resolve("segment-spare.tmp");
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!(Files.exists(spare) && Files.size(spare) == segmentBytes) && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
            }
            for (int i = 0; i < 100; i++) {
                appendOne(); // not measured: JIT, and the spare's last force
            }
        }

        long appendOne() {
            long index = next++;
            long start = System.nanoTime();
            log.append(List.of(new LogEntry(index, 1, EntryType.COMMAND, payload)));
            while (durable.get() < index) {
                Thread.onSpinWait();
            }
            return System.nanoTime() - start;
        }

        @Override
        public void close() {
            log.close();
        }
    }
}
