package io.keelraft.examples.kv;

import io.keelraft.core.StateMachine;
import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.spi.SnapshotFile;
import io.keelraft.core.spi.SnapshotSink;
import io.keelraft.storage.FileSnapshotStore;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * The snapshot benchmark of issue 8 (a main, not a test): the KV state machine holding 1,000,000 keys of 100-byte
 * values. Prints the time to capture a snapshot, to write it into a {@link FileSnapshotStore} (fsync included)
 * and its size, the time to restore it, and apply throughput (16 SETs per entry, random keys) while a snapshot is
 * being written against without one, alternating in the same run.
 *
 * <pre>
 *   java -Xmx3g -cp examples/kv/target/test-classes:examples/kv/target/classes:&lt;dependencies&gt; \
 *       io.keelraft.examples.kv.KvSnapshotBench [keys] [directory]
 * </pre>
 */
public final class KvSnapshotBench {

    private static final int VALUE_BYTES = 100;
    private static final int OPS_PER_ENTRY = 16;

    private KvSnapshotBench() {
    }

    public static void main(String[] args) throws Exception {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path dir = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("kv-snapshot-bench");
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        KvStateMachine sm = new KvStateMachine();
        long[] index = {0};
        SplittableRandom random = new SplittableRandom(42);
        long fillStart = System.nanoTime();
        for (int i = 0; i < keys; i += OPS_PER_ENTRY) {
            List<KvOp> ops = new ArrayList<>(OPS_PER_ENTRY);
            for (int j = i; j < Math.min(keys, i + OPS_PER_ENTRY); j++) {
                ops.add(new KvOp(Op.SET, key(j), value(random)));
            }
            sm.apply(++index[0], KvCodec.encodeOps(ops));
        }
        System.out.printf("filled %,d keys of %d-byte values in %d ms%n", sm.size(), VALUE_BYTES,
                ms(System.nanoTime() - fillStart));

        // A pool of pre-encoded entries that overwrite random keys: applying, not encoding, is measured.
        byte[][] entries = new byte[4096][];
        for (int e = 0; e < entries.length; e++) {
            List<KvOp> ops = new ArrayList<>(OPS_PER_ENTRY);
            for (int j = 0; j < OPS_PER_ENTRY; j++) {
                ops.add(new KvOp(Op.SET, key(random.nextInt(keys)), value(random)));
            }
            entries[e] = KvCodec.encodeOps(ops);
        }

        SnapshotMeta meta = new SnapshotMeta(1, 1, ClusterConfiguration.ofVoters(Set.of("n1")));
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2)) {
            // Warm-up round, then measured rounds: applies alone for a while, then applies while a snapshot is
            // written (as long as the write takes), on the same thread that captured it.
            List<double[]> results = new ArrayList<>();
            for (int round = 0; round <= rounds; round++) {
                double[] without = applyFor(sm, entries, index, 2_000_000_000L, null);
                long captureStart = System.nanoTime();
                StateMachine.Snapshot snapshot = sm.snapshot();
                long captureNanos = System.nanoTime() - captureStart;
                meta = new SnapshotMeta(index[0], 1, meta.configuration());
                SnapshotMeta m = meta;
                long[] written = new long[3];
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    long start = System.nanoTime();
                    try (SnapshotSink sink = store.create(m)) {
                        OutputStream out = new BufferedOutputStream(sink.stream(), 1 << 20);
                        snapshot.writeTo(out);
                        out.flush();
                        written[2] = System.nanoTime() - start;
                        written[1] = sink.commit().size();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    written[0] = System.nanoTime() - start;
                });
                double[] with = applyFor(sm, entries, index, Long.MAX_VALUE, writer);
                writer.join();

                SnapshotFile latest = store.latest().orElseThrow();
                KvStateMachine restored = new KvStateMachine();
                long restoreStart = System.nanoTime();
                try (InputStream in = latest.open()) {
                    restored.restore(in);
                }
                long restoreNanos = System.nanoTime() - restoreStart;
                System.out.printf("%s: capture %.3f ms | write %d ms (serialize %d + commit/fsync %d), %,d bytes"
                        + " (%.1f MB/s) | restore %d ms (%,d keys) | apply %,.0f ops/s without, %,.0f ops/s during the"
                        + " write (%.0f%%) | apply-thread CPU %.0f ns/op without, %.0f ns/op during | history nodes"
                        + " after %d%n",
                        round == 0 ? "warm-up" : "round " + round, captureNanos / 1e6, ms(written[0]),
                        ms(written[2]), ms(written[0] - written[2]), written[1], written[1] / 1e6 / (written[0] / 1e9),
                        ms(restoreNanos), restored.size(), without[0], with[0], 100 * with[0] / without[0], without[1],
                        with[1], sm.historyNodes());
                if (round > 0) {
                    results.add(new double[] {captureNanos / 1e6, ms(written[0]), ms(restoreNanos), without[0], with[0],
                        with[0] / without[0], without[1], with[1], with[1] / without[1]});
                }
            }
            String[] names = {"capture ms", "write ms", "restore ms", "apply ops/s without", "apply ops/s during",
                "throughput ratio during/without", "apply CPU ns/op without", "apply CPU ns/op during",
                "CPU cost ratio during/without"};
            for (int i = 0; i < names.length; i++) {
                int column = i;
                double[] values = results.stream().mapToDouble(r -> r[column]).sorted().toArray();
                System.out.printf("median %-32s %,.3f  (min %,.3f, max %,.3f)%n", names[i], values[values.length / 2],
                        values[0], values[values.length - 1]);
            }
        }
        // What a restart pays before restoring: latest() reads the newest snapshot whole to check its CRC32C.
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2)) {
            long start = System.nanoTime();
            SnapshotFile latest = store.latest().orElseThrow();
            System.out.printf("latest() on a reopened store (full CRC32C read of %,d bytes): %d ms%n", latest.size(),
                    ms(System.nanoTime() - start));
        }
    }

    /**
     * Applies entries until {@code nanos} have passed or {@code until} completes; returns SET ops per second and
     * the applying thread's CPU nanoseconds per op (less sensitive to other load on the machine).
     */
    private static double[] applyFor(KvStateMachine sm, byte[][] entries, long[] index, long nanos,
                                     CompletableFuture<Void> until) {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        long ops = 0;
        int e = 0;
        while (true) {
            for (int i = 0; i < 64; i++) {
                sm.apply(++index[0], entries[e++ & (entries.length - 1)]);
            }
            ops += 64L * OPS_PER_ENTRY;
            long elapsed = System.nanoTime() - start;
            if (elapsed >= nanos || (until != null && until.isDone())) {
                return new double[] {ops / (elapsed / 1e9), (threads.getCurrentThreadCpuTime() - cpuStart) / (double) ops};
            }
        }
    }

    private static byte[] key(int i) {
        return ("key:" + i).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static byte[] value(SplittableRandom random) {
        byte[] v = new byte[VALUE_BYTES];
        random.nextBytes(v);
        return v;
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
