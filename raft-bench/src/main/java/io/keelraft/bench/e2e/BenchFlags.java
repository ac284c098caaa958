package io.keelraft.bench.e2e;

import java.nio.file.Path;

/**
 * Command line of {@link KeelBench}: {@code --concurrency C --seconds D [--warmup W] [--client keel|resp]
 * [--kv-jar PATH] [--snapshot-every S]}.
 *
 * @param concurrency requests kept in flight (C)
 * @param seconds     length of the measurement window (D)
 * @param warmup      seconds of load before the window (W, default 5 as the peers')
 * @param kvJar       the KV server jar the three servers run
 * @param snapshotEvery when above 0, every this many seconds each server is asked to take a snapshot
 *                    ({@code RAFT.SNAPSHOT}) while the load runs, to measure throughput during snapshots (issue 8)
 * @param client      the client path: Keel's own client on the Raft ports (default) or the KV example's RESP port
 */
record BenchFlags(int concurrency, int seconds, int warmup, Path kvJar, int snapshotEvery, Client client) {

    /** How the load reaches the servers, and the {@code system} name its JSON line carries. */
    enum Client {
        /** One {@code RaftClient} on the three servers' Raft ports ({@link ClientLoad}). */
        KEEL("keel"),
        /** One RESP connection per request in flight to the leader's RESP port ({@link RespLoad}). */
        RESP("keel-resp");

        final String system;

        Client(String system) {
            this.system = system;
        }
    }

    static final String USAGE = "usage: java -jar raft-bench/target/keel-bench.jar --concurrency C --seconds D "
            + "[--warmup W] [--client keel|resp] [--kv-jar examples/kv/target/keel-kv.jar] [--snapshot-every S]";

    static BenchFlags parse(String[] args) {
        int concurrency = -1;
        int seconds = 20;
        int warmup = 5;
        Path kvJar = Path.of("examples/kv/target/keel-kv.jar");
        int snapshotEvery = 0;
        Client client = Client.KEEL;
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
                case "--client" -> client = switch (value) {
                    case "keel" -> Client.KEEL;
                    case "resp" -> Client.RESP;
                    default -> throw new IllegalArgumentException("--client must be keel or resp, was '" + value
                            + "'; " + USAGE);
                };
                default -> throw new IllegalArgumentException("unknown flag " + flag + "; " + USAGE);
            }
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("--concurrency is required and at least 1; " + USAGE);
        }
        if (seconds < 1) {
            throw new IllegalArgumentException("--seconds must be at least 1; " + USAGE);
        }
        return new BenchFlags(concurrency, seconds, warmup, kvJar, snapshotEvery, client);
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
