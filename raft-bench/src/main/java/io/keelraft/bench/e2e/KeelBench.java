package io.keelraft.bench.e2e;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keel on peer-bench's workload (../shared/peer-bench/WORKLOAD.md): three KV example servers, one client with
 * exactly C requests in flight, a warm-up, a measured window, and one JSON line in the peers' format on stdout.
 * The client is Keel's own ({@code raft-client}, one multiplexed connection per server on the Raft ports, the
 * library's normal client API as the peers use theirs: {@code "system":"keel"}) or, with {@code --client resp},
 * the KV example's Redis protocol, one connection per request in flight ({@code "system":"keel-resp"}). Progress
 * goes to stderr. Every process and directory it starts is removed at the end, also on failure or Ctrl-C.
 *
 * <pre>java -jar raft-bench/target/keel-bench.jar --concurrency 128 --seconds 20 [--warmup 5] [--client keel|resp]</pre>
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
            try (Load load = connect(flags, servers)) {
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

    /** The load of {@code flags.client()}, once a leader took a write through it. */
    private static Load connect(BenchFlags flags, ServerProcesses servers) throws Exception {
        if (flags.client() == BenchFlags.Client.RESP) {
            String leader = awaitLeader(servers);
            System.err.println("servers up; leader's RESP at " + leader);
            return new RespLoad(leader);
        }
        ClientLoad load = new ClientLoad(servers.raftAddresses().values(), flags.concurrency());
        try {
            awaitLeader(load);
        } catch (Exception | Error e) {
            load.close();
            throw e;
        }
        System.err.println("servers up; a write went through raft-client to " + servers.raftAddresses().values());
        return load;
    }

    /** Retries a single SET through the client (10 s timeout, 200 ms pause) until one succeeds; 120 s at most. */
    private static void awaitLeader(ClientLoad load) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (load.probe()) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new IllegalStateException("no leader accepted a write within 120 s");
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

    static String json(BenchFlags flags, Load load) {
        long ops = load.ops();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "{\"system\":\"%s\",\"concurrency\":%d,\"seconds\":%d,\"ops\":%d,"
                        + "\"ops_per_sec\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"errors\":%d",
                flags.client().system, flags.concurrency(), flags.seconds(), ops, (double) ops / flags.seconds(),
                load.latencyMicros().getValueAtPercentile(50) / 1000.0,
                load.latencyMicros().getValueAtPercentile(99) / 1000.0,
                load.latencyMicros().getValueAtPercentile(99.9) / 1000.0, load.errors()));
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
