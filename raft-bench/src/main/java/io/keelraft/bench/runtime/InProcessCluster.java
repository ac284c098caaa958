package io.keelraft.bench.runtime;

import io.keelraft.core.RaftNode;
import io.keelraft.core.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.Recorder;

/**
 * The runtime alone, without the KV example's front end: three {@link RaftNode}s in one JVM, each with its own data
 * directory (fsync on, production defaults) and the Netty transport on loopback, and one driver keeping exactly
 * {@code C} embedded {@code submit}s of 117-byte commands (the peer-bench command size) in flight on the leader.
 * Prints commits per second and the submit-to-completion latency of the measured window, one JSON line.
 *
 * <pre>java -cp raft-bench/target/benchmarks.jar io.keelraft.bench.runtime.InProcessCluster [C] [warm-up s] [s]</pre>
 *
 * <p>Issue 17 measures the runtime before and after its redesign with it; the only line that differs between the two
 * trees is the state machine's snapshot method (the {@code StateMachine} API changed).
 */
public final class InProcessCluster {

    private InProcessCluster() {}

    public static void main(String[] args) throws Exception {
        int concurrency = args.length > 0 ? Integer.parseInt(args[0]) : 128;
        int warmupSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Path root = Files.createTempDirectory("keel-inprocess-");
        Map<String, String> members = new LinkedHashMap<>();
        for (String id : List.of("n1", "n2", "n3")) {
            members.put(id, "127.0.0.1:" + freePort());
        }
        List<RaftNode> nodes = new ArrayList<>();
        try {
            for (String id : members.keySet()) {
                nodes.add(RaftNode.builder().id(id).members(members).dataDirectory(root.resolve(id))
                        .stateMachine(new Sink()).build().start());
            }
            RaftNode leader = awaitLeader(nodes);
            Recorder latencies = new Recorder(3);
            AtomicLong completed = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            Semaphore window = new Semaphore(concurrency);
            byte[] command = new byte[117];
            long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
            long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
            long measuredFrom = -1;
            long completedAtStart = 0;
            while (true) {
                long now = System.nanoTime();
                if (measuredFrom < 0 && now >= warmupEnd) {
                    measuredFrom = now;
                    completedAtStart = completed.get();
                    latencies.reset();
                }
                if (now >= end) {
                    break;
                }
                if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                long start = System.nanoTime();
                leader.submit(command).whenComplete((result, error) -> {
                    if (error == null) {
                        latencies.recordValue(Math.max(1, (System.nanoTime() - start) / 1_000));
                        completed.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                    }
                    window.release();
                });
            }
            double elapsed = (System.nanoTime() - measuredFrom) / 1e9;
            var histogram = latencies.getIntervalHistogram();
            System.out.printf("{\"bench\":\"in-process\",\"concurrency\":%d,\"seconds\":%d,\"warmup\":%d,"
                            + "\"commits_per_s\":%.0f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"errors\":%d}%n",
                    concurrency, seconds, warmupSeconds, (completed.get() - completedAtStart) / elapsed,
                    histogram.getValueAtPercentile(50) / 1000.0, histogram.getValueAtPercentile(99) / 1000.0,
                    histogram.getValueAtPercentile(99.9) / 1000.0, failed.get());
            window.acquire(concurrency);
        } finally {
            for (RaftNode node : nodes) {
                node.close();
            }
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /** The node that leads, once one does: told by the leader listeners, no polling. */
    private static RaftNode awaitLeader(List<RaftNode> nodes) throws Exception {
        CompletableFuture<RaftNode> leader = new CompletableFuture<>();
        for (RaftNode node : nodes) {
            node.addLeaderListener((leaderId, term) -> {
                if (node.id().equals(leaderId)) {
                    leader.complete(node);
                }
            });
            if (node.id().equals(node.leaderId())) { // elected before the listener was added
                leader.complete(node);
            }
        }
        return leader.get(30, TimeUnit.SECONDS);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Counts commands; its state is that count. */
    private static final class Sink implements StateMachine {
        private static final byte[] EMPTY = new byte[0];
        private long applied;

        @Override
        public byte[] apply(long index, byte[] command) {
            applied++;
            return EMPTY;
        }

        @Override
        public byte[] query(byte[] query) {
            return new byte[0];
        }

        @Override
        public Snapshot snapshot() {
            long captured = applied;
            return out -> new DataOutputStream(out).writeLong(captured);
        }

        @Override
        public void restore(InputStream in) throws IOException {
            applied = new DataInputStream(in).readLong();
        }
    }
}
