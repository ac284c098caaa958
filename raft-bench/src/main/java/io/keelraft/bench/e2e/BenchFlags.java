package io.keelraft.bench.e2e;

import java.nio.file.Path;

/**
 * Command line of {@link KeelBench}: {@code --concurrency C --seconds D [--warmup W] [--kv-jar PATH]}.
 *
 * @param concurrency requests kept in flight (C)
 * @param seconds     length of the measurement window (D)
 * @param warmup      seconds of load before the window (W, default 5 as the peers')
 * @param kvJar       the KV server jar the three servers run
 * @param snapshotEvery when above 0, every this many seconds each server is asked to take a snapshot
 *                    ({@code RAFT.SNAPSHOT}) while the load runs, to measure throughput during snapshots (issue 8)
 */
record BenchFlags(int concurrency, int seconds, int warmup, Path kvJar, int snapshotEvery) {

    static final String USAGE = "usage: java -jar raft-bench/target/keel-bench.jar --concurrency C --seconds D "
            + "[--warmup W] [--kv-jar examples/kv/target/keel-kv.jar] [--snapshot-every S]";

    static BenchFlags parse(String[] args) {
        int concurrency = -1;
        int seconds = 20;
        int warmup = 5;
        Path kvJar = Path.of("examples/kv/target/keel-kv.jar");
        int snapshotEvery = 0;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--help")) {
                throw new IllegalArgumentException(USAGE);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value; " + USAGE);
            }
            String value = args[++i];
            switch (flag) {
                case "--concurrency" -> concurrency = positive(flag, value);
                case "--seconds" -> seconds = positive(flag, value);
                case "--warmup" -> warmup = positive(flag, value);
                case "--kv-jar" -> kvJar = Path.of(value);
                case "--snapshot-every" -> snapshotEvery = positive(flag, value);
                default -> throw new IllegalArgumentException("unknown flag " + flag + "; " + USAGE);
            }
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("--concurrency is required and at least 1; " + USAGE);
        }
        if (seconds < 1) {
            throw new IllegalArgumentException("--seconds must be at least 1; " + USAGE);
        }
        return new BenchFlags(concurrency, seconds, warmup, kvJar, snapshotEvery);
    }

    private static int positive(String flag, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a non-negative integer, was '" + value + "'");
        }
    }
}
