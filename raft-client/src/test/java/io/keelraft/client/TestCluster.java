package io.keelraft.client;

import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.Role;
import io.keelraft.core.StateMachine;
import io.keelraft.testkit.memory.InMemoryLogStore;
import io.keelraft.testkit.memory.InMemoryMetaStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Three RaftNodes in this JVM over Netty on loopback, each recording the commands it applies, in order. */
final class TestCluster implements AutoCloseable {

    /** Records every command (an 8-byte number) it applies; answers with how many it has applied. */
    static final class Recorder implements StateMachine {
        final List<Long> applied = java.util.Collections.synchronizedList(new ArrayList<>());

        /** Closed: apply waits until it opens (to hold the group's apply thread in a test). */
        volatile java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(0);

        @Override
        public byte[] apply(long index, byte[] command) {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            applied.add(ByteBuffer.wrap(command).getLong());
            return ByteBuffer.allocate(8).putLong(applied.size()).array();
        }

        @Override
        public byte[] query(byte[] query) {
            return ByteBuffer.allocate(8).putLong(applied.size()).array();
        }

        @Override
        public Snapshot snapshot() {
            List<Long> copy = List.copyOf(applied);
            return out -> {
                DataOutputStream d = new DataOutputStream(out);
                d.writeInt(copy.size());
                for (long v : copy) {
                    d.writeLong(v);
                }
                d.flush();
            };
        }

        @Override
        public void restore(InputStream in) throws IOException {
            DataInputStream d = new DataInputStream(in);
            applied.clear();
            for (int n = d.readInt(); n > 0; n--) {
                applied.add(d.readLong());
            }
        }
    }

    final Map<String, String> members = new LinkedHashMap<>();
    final Map<String, RaftNode> nodes = new LinkedHashMap<>();
    final Map<String, Recorder> machines = new LinkedHashMap<>();
    private final Map<String, InMemoryLogStore> logs = new LinkedHashMap<>();
    private final Map<String, InMemoryMetaStore> metas = new LinkedHashMap<>();
    private final RaftOptions options = RaftOptions.builder().electionTimeout(Duration.ofMillis(1_000))
            .heartbeatInterval(Duration.ofMillis(100)).build();

    TestCluster(String... ids) {
        for (String id : ids) {
            members.put(id, "127.0.0.1:" + freePort());
        }
        for (String id : ids) {
            start(id);
        }
    }

    /** Starts (or restarts, on the stores it had) server {@code id}. */
    RaftNode start(String id) {
        InMemoryLogStore log = logs.computeIfAbsent(id, InMemoryLogStore::new);
        InMemoryMetaStore meta = metas.computeIfAbsent(id, k -> new InMemoryMetaStore());
        Recorder sm = new Recorder();
        machines.put(id, sm);
        RaftNode node = RaftNode.builder().id(id).members(members).clusterId("client-test").stores(log, meta)
                .stateMachine(sm).options(options).callbackExecutor(java.util.concurrent.ForkJoinPool.commonPool())
                .build().start();
        nodes.put(id, node);
        return node;
    }

    void stop(String id) {
        nodes.remove(id).close();
    }

    RaftNode awaitLeader() {
        await().atMost(Duration.ofSeconds(30)).until(() -> leader() != null);
        return leader();
    }

    RaftNode leader() {
        return nodes.values().stream().filter(n -> n.role() == Role.LEADER).findFirst().orElse(null);
    }

    String addressOf(RaftNode node) {
        return members.get(node.id());
    }

    @Override
    public void close() {
        nodes.values().forEach(RaftNode::close);
        nodes.clear();
    }

    /** Outside the ephemeral range, so that no outbound connection takes it before its server binds. */
    static int freePort() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = random.nextInt(15_000, 32_000);
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new UncheckedIOException(new IOException("no free port in [15000, 32000)"));
    }
}
