package io.keelraft.examples.counter;

import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.Role;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Counter servers in this JVM with the real file storage and Netty transport on loopback. */
final class LocalCluster implements AutoCloseable {

    final Map<String, String> members = new LinkedHashMap<>();
    final Map<String, RaftNode> nodes = new LinkedHashMap<>();
    private final Path root;
    /** Null: the README's {@link Counter#start}, with default options. */
    private final RaftOptions options;

    LocalCluster(Path root, List<String> ids) {
        this(root, ids, null);
    }

    LocalCluster(Path root, List<String> ids, RaftOptions options) {
        this.root = root;
        this.options = options;
        // A port is chosen before its server binds it, so another process can take it in between (CI saw
        // this once). A new cluster has nothing to lose yet: start it again on other ports.
        for (int attempt = 1; ; attempt++) {
            members.clear();
            for (String id : ids) {
                members.put(id, "127.0.0.1:" + freePort());
            }
            try {
                ids.forEach(this::start);
                return;
            } catch (RuntimeException e) {
                close();
                if (attempt == 5 || !isBindFailure(e)) {
                    throw e;
                }
                deleteRecursively(root);
            }
        }
    }

    /** A start that failed because its port was taken meanwhile (the transport says "cannot listen on"). */
    static boolean isBindFailure(Throwable e) {
        return String.valueOf(e.getMessage()).contains("cannot listen on");
    }

    private static void deleteRecursively(Path dir) {
        if (!java.nio.file.Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = java.nio.file.Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                java.nio.file.Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Servers {@code members} (id to host:port), each started on its directory below {@code root}. */
    LocalCluster(Path root, Map<String, String> members) {
        this.root = root;
        this.options = null;
        this.members.putAll(members);
        members.keySet().forEach(this::start);
    }

    /** Starts (or restarts on its data directory) server {@code id}. */
    RaftNode start(String id) {
        RaftNode node = options == null ? Counter.start(id, members, root.resolve(id))
                : RaftNode.builder().id(id).members(members).dataDirectory(root.resolve(id)).options(options)
                        .stateMachine(new Counter()).build().start();
        nodes.put(id, node);
        return node;
    }

    /** Restarts server {@code id} on its data directory with the member list {@code memberList}. */
    RaftNode start(String id, Map<String, String> memberList) {
        RaftNode node = Counter.start(id, memberList, root.resolve(id));
        nodes.put(id, node);
        return node;
    }

    /** {@code ids}, each at a free loopback address. */
    static Map<String, String> freeAddresses(List<String> ids) {
        Map<String, String> out = new LinkedHashMap<>();
        ids.forEach(id -> out.put(id, "127.0.0.1:" + freePort()));
        return out;
    }

    /** The counter's command: add {@code n}. */
    static byte[] add(long n) {
        return java.nio.ByteBuffer.allocate(8).putLong(n).array();
    }

    /** The counter's answer: the total. */
    static long total(byte[] result) {
        return java.nio.ByteBuffer.wrap(result).getLong();
    }

    /** Where server {@code id} keeps its data. */
    Path dataDirectory(String id) {
        return root.resolve(id);
    }

    /** Stops server {@code id}, as an operator would; its data stays. */
    void stop(String id) {
        nodes.remove(id).close();
    }

    RaftNode awaitLeader() {
        await().atMost(Duration.ofSeconds(30)).until(() -> leader() != null);
        return leader();
    }

    RaftNode leader() {
        RaftNode best = null;
        for (RaftNode n : nodes.values()) {
            if (n.role() == Role.LEADER && (best == null || n.term() > best.term())) {
                best = n;
            }
        }
        return best;
    }

    RaftNode aFollower() {
        RaftNode leader = awaitLeader();
        return nodes.values().stream().filter(n -> n != leader).findFirst().orElseThrow();
    }

    /**
     * A port free now and outside the kernel's ephemeral range (32768 and up on Linux), so that no outbound
     * connection — one server dialling another that is not listening yet — can take it before its server binds.
     */
    static int freePort() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = random.nextInt(15_000, 32_000);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new UncheckedIOException(new IOException("no free port found in [15000, 32000)"));
    }

    @Override
    public void close() {
        nodes.values().forEach(RaftNode::close);
        nodes.clear();
    }
}
