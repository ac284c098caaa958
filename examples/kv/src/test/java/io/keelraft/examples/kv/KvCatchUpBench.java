package io.keelraft.examples.kv;

import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import io.keelraft.core.Role;
import io.keelraft.core.SnapshotMeta;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * How long a fresh follower takes to catch up through InstallSnapshot (issue 8; a main, not a test): three KV
 * servers in this JVM with the real file stores (fsync on) and the Netty transport on loopback, default options.
 * Two of them start and are loaded with {@code keys} keys of 100-byte values (entries of 100 SETs: more entries than the default trailing margin of 4,096 keeps, so the
 * follower cannot be served from the log); the leader
 * takes a snapshot and compacts its log; then the third starts with an empty data directory, is sent the
 * snapshot in 1 MiB chunks, installs it and restores its state machine. Prints the load time, the snapshot's
 * time and size, and the catch-up time (from start until it has applied everything the leader had).
 *
 * <pre>
 *   java -Xmx3g -cp examples/kv/target/test-classes:examples/kv/target/classes:&lt;dependencies&gt; \
 *       io.keelraft.examples.kv.KvCatchUpBench [keys=1000000] [directory]
 * </pre>
 */
public final class KvCatchUpBench {

    private static final int OPS_PER_ENTRY = 100;
    private static final int IN_FLIGHT = 8;

    private KvCatchUpBench() {
    }

    public static void main(String[] args) throws Exception {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path root = args.length > 1 ? Files.createDirectories(Path.of(args[1]))
                : Files.createTempDirectory("kv-catch-up-bench");
        Map<String, String> members = new LinkedHashMap<>();
        for (String id : List.of("n1", "n2", "n3")) {
            members.put(id, "127.0.0.1:" + RespServerTest.freePort());
        }
        List<RaftNode> nodes = new ArrayList<>();
        try {
            nodes.add(start("n1", members, root));
            nodes.add(start("n2", members, root));
            RaftNode leader = awaitLeader(nodes);

            long loadStart = System.nanoTime();
            SplittableRandom random = new SplittableRandom(42);
            ArrayDeque<CompletableFuture<byte[]>> inFlight = new ArrayDeque<>();
            for (int i = 0; i < keys; i += OPS_PER_ENTRY) {
                List<KvOp> ops = new ArrayList<>(OPS_PER_ENTRY);
                for (int j = i; j < Math.min(keys, i + OPS_PER_ENTRY); j++) {
                    byte[] value = new byte[100];
                    random.nextBytes(value);
                    ops.add(new KvOp(Op.SET, String.format("key-%012d", j).getBytes(), value));
                }
                inFlight.add(leader.submit(KvCodec.encodeOps(ops)));
                if (inFlight.size() >= IN_FLIGHT) {
                    inFlight.poll().get(60, TimeUnit.SECONDS);
                }
            }
            for (CompletableFuture<byte[]> f : inFlight) {
                f.get(60, TimeUnit.SECONDS);
            }
            long loadMs = ms(System.nanoTime() - loadStart);
            System.out.printf("loaded %,d keys of 100-byte values through the leader in %,d ms%n", keys, loadMs);

            long snapStart = System.nanoTime();
            SnapshotMeta meta = leader.snapshot().get(300, TimeUnit.SECONDS);
            long snapMs = ms(System.nanoTime() - snapStart);
            System.out.printf("leader snapshot at index %d: %,d ms%n", meta.index(), snapMs);
            try (Stream<Path> snapshots = Files.list(root.resolve(leader.id()).resolve("snapshots"))) {
                for (Path s : snapshots.filter(Files::isDirectory).sorted().toList()) {
                    System.out.printf("  retained snapshot %s: %,d bytes%n", s.getFileName(), size(s));
                }
            }

            long target = leader.lastApplied();
            long catchUpStart = System.nanoTime();
            RaftNode fresh = start("n3", members, root);
            nodes.add(fresh);
            await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(5))
                    .until(() -> fresh.lastApplied() >= target);
            long catchUpMs = ms(System.nanoTime() - catchUpStart);
            System.out.printf("n3 received a snapshot: %s%n", hasSnapshot(root.resolve("n3").resolve("snapshots")));
            System.out.printf("fresh follower n3 caught up to index %d in %,d ms (start, snapshot transfer in 1 MiB "
                    + "chunks, install, restore, log tail)%n", target, catchUpMs);
        } finally {
            nodes.forEach(RaftNode::close);
            deleteTree(root);
        }
    }

    private static RaftNode start(String id, Map<String, String> members, Path root) {
        return RaftNode.builder().id(id).members(members).dataDirectory(root.resolve(id))
                .stateMachine(new KvStateMachine()).build().start();
    }

    private static RaftNode awaitLeader(List<RaftNode> nodes) {
        await().atMost(Duration.ofSeconds(60)).until(() -> nodes.stream().anyMatch(n -> n.role() == Role.LEADER));
        return nodes.stream().filter(n -> n.role() == Role.LEADER).findFirst().orElseThrow();
    }

    private static boolean hasSnapshot(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(p -> p.getFileName().toString().matches("\\d{20}-\\d{20}"));
        }
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
