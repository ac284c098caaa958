package io.keelraft.bench.e2e;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keel on peer-bench's workload (../shared/peer-bench/WORKLOAD.md): three KV example servers, one client with
 * exactly C requests in flight through the Redis protocol (the path a user of the KV example takes), a warm-up,
 * a measured window, and one JSON line in the peers' format on stdout ({@code "system":"keel"}). Progress goes
 * to stderr. Every process and directory it starts is removed at the end, also on failure or Ctrl-C.
 *
 * <pre>java -jar raft-bench/target/keel-bench.jar --concurrency 128 --seconds 20 [--warmup 5]</pre>
 */
public final class KeelBench {

    private KeelBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchFlags flags;
        try {
            flags = BenchFlags.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        try {
            run(flags);
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("keel-bench: " + e.getMessage());
            System.exit(1);
        }
    }

    private static final SnapshotRequests snapshots = new SnapshotRequests();

    private static void run(BenchFlags flags) throws Exception {
        try (ServerProcesses servers = new ServerProcesses(flags.kvJar())) {
            Thread cleanup = new Thread(servers::close, "keel-bench-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            String leader = awaitLeader(servers);
            System.err.println("servers up; leader's RESP at " + leader);
            try (RespLoad load = new RespLoad(leader)) {
                load.start(flags.concurrency());
                if (flags.snapshotEvery() > 0) {
                    snapshots.startSnapshotting(servers.respAddresses().values(), flags.snapshotEvery());
                }
                TimeUnit.SECONDS.sleep(flags.warmup());
                long start = System.nanoTime();
                long end = start + TimeUnit.SECONDS.toNanos(flags.seconds());
                load.window(start, end);
                TimeUnit.NANOSECONDS.sleep(end - System.nanoTime());
                load.stopAndDrain();
                snapshots.stop();
                if (!servers.allAlive()) {
                    throw new IllegalStateException("a server died during the run");
                }
                System.out.println(json(flags, load));
            }
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    /** Retries one SET through any server (followers forward) until one succeeds; 120 s at most. */
    private static String awaitLeader(ServerProcesses servers) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Map<String, String> resp = servers.respAddresses();
        while (System.nanoTime() < deadline) {
            for (String address : resp.values()) {
                try (RespLoad probe = new RespLoad(address)) {
                    if (probe.probe()) {
                        String leader = RaftInfo.leaderRespAddress(address, resp);
                        if (leader != null) {
                            return leader;
                        }
                    }
                }
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new IllegalStateException("no leader accepted a write within 120 s");
    }

    static String json(BenchFlags flags, RespLoad load) {
        long ops = load.ops.get();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "{\"system\":\"keel\",\"concurrency\":%d,\"seconds\":%d,\"ops\":%d,"
                        + "\"ops_per_sec\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"errors\":%d",
                flags.concurrency(), flags.seconds(), ops, (double) ops / flags.seconds(),
                load.latencyMicros.getValueAtPercentile(50) / 1000.0,
                load.latencyMicros.getValueAtPercentile(99) / 1000.0,
                load.latencyMicros.getValueAtPercentile(99.9) / 1000.0, load.errors.get()));
        if (flags.snapshotEvery() > 0) {
            b.append(",\"snapshot_every_s\":").append(flags.snapshotEvery()).append(",\"snapshots\":")
                    .append(snapshots.taken()).append(",\"snapshot_failures\":").append(snapshots.failed());
        }
        if (flags.warmup() != 5) {
            b.append(",\"warmup_seconds\":").append(flags.warmup());
        }
        return b.append('}').toString();
    }
}
