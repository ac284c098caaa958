package io.keelraft.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keel-kv servers of one run: {@code n1..nN} on the loopback aliases {@code 127.0.0.1..127.0.0.N}, each with
 * free ports picked on its own address, its own data directory and its own log file; plus servers that join
 * later ({@code j1, j2, ...}) on {@code 127.0.0.(N+1)}. Every process is ended by PID in {@link #close}.
 */
public final class KvCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KvCluster.class);

    /** The address clients and the harness connect from; no iptables rule names it. */
    public static final String CLIENT_HOST = "127.0.1.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final int INFO_TIMEOUT_MILLIS = 3_000;

    /** One server: where it listens and what runs it now. */
    public static final class Node {
        final String id;
        final String host;
        final int raftPort;
        final int respPort;
        final Path dataDir;
        final Path log;
        final boolean joiner;
        /** Started with --join, now and on every restart: a joiner, or a retired initial server started again. */
        volatile boolean join;
        /** Added to the environment of its next starts: a skewed clock ({@link ClockSkew}); empty normally. */
        volatile Map<String, String> env = Map.of();
        volatile NodeProcess process;

        Node(String id, String host, int raftPort, int respPort, Path dataDir, Path log, boolean joiner) {
            this.id = id;
            this.host = host;
            this.raftPort = raftPort;
            this.respPort = respPort;
            this.dataDir = dataDir;
            this.log = log;
            this.joiner = joiner;
            this.join = joiner;
        }

        public String id() {
            return id;
        }

        public String host() {
            return host;
        }

        public int raftPort() {
            return raftPort;
        }

        public int respPort() {
            return respPort;
        }

        public Path dataDir() {
            return dataDir;
        }

        public Path log() {
            return log;
        }

        /** Started with --join (not one of the initial servers). */
        public boolean joiner() {
            return joiner;
        }

        /** Running and not stopped by SIGSTOP. */
        public boolean isServing() {
            NodeProcess p = process;
            return p != null && p.isAlive() && !p.isPaused();
        }

        public boolean isAlive() {
            NodeProcess p = process;
            return p != null && p.isAlive();
        }

        String raftAddress() {
            return host + ":" + raftPort;
        }

        @Override
        public String toString() {
            return id + "@" + host + " raft " + raftPort + " resp " + respPort + " " + process;
        }
    }

    private final Path jar;
    private final Path runDir;
    private final Path dataRoot;
    private final Path logRoot;
    private final Map<String, Node> nodes = Collections.synchronizedMap(new LinkedHashMap<>());
    private final List<Node> base = new ArrayList<>();
    private final AtomicInteger joiners = new AtomicInteger();
    private final String joinerHost;
    private volatile boolean closed;

    /** Plans {@code size} servers under {@code runDir} (data/ and logs/); nothing starts yet. */
    public KvCluster(Path jar, Path runDir, int size) {
        this.jar = jar;
        this.runDir = runDir;
        this.dataRoot = runDir.resolve("data");
        this.logRoot = runDir.resolve("logs");
        try {
            Files.createDirectories(dataRoot);
            Files.createDirectories(logRoot);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 1; i <= size; i++) {
            String host = "127.0.0." + i;
            Node n = new Node("n" + i, host, freePort(host), freePort(host), dataRoot.resolve("n" + i),
                    logRoot.resolve("n" + i + ".log"), false);
            base.add(n);
            nodes.put(n.id, n);
        }
        joinerHost = "127.0.0." + (size + 1);
    }

    /** A port nobody listens on now, found by binding port 0 on {@code host}. */
    static int freePort(String host) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(host, 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + host, e);
        }
    }

    /** The servers of the initial configuration, n1..nN. */
    public List<Node> baseNodes() {
        return List.copyOf(base);
    }

    /** Every server planned so far, joiners included. */
    public List<Node> allNodes() {
        synchronized (nodes) {
            return List.copyOf(nodes.values());
        }
    }

    public Node node(String id) {
        Node n = nodes.get(id);
        if (n == null) {
            throw new IllegalArgumentException("no node " + id);
        }
        return n;
    }

    /** {@code n1=127.0.0.1:port,...} of the initial configuration. */
    String baseMembers() {
        return base.stream().map(n -> n.id + "=" + n.raftAddress()).collect(Collectors.joining(","));
    }

    /** Starts every server of the initial configuration and waits for their READY lines. */
    public void startAll() {
        for (Node n : base) {
            launch(n);
        }
        for (Node n : base) {
            n.process.awaitReady(START_TIMEOUT);
        }
    }

    /** Starts {@code id} again on its data directory (after a kill) and waits for READY. */
    public void restart(String id) {
        restart(id, node(id).env);
    }

    /**
     * Starts {@code id} again on its data directory (after a kill) with {@code env} added to its environment, now
     * and on its later restarts, and waits for READY.
     */
    public void restart(String id, Map<String, String> env) {
        Node n = node(id);
        if (n.isAlive()) {
            throw new IllegalStateException(id + " is still running");
        }
        n.env = Map.copyOf(env);
        launch(n);
        n.process.awaitReady(START_TIMEOUT);
    }

    private void launch(Node n) {
        if (closed) {
            throw new IllegalStateException("the cluster is closed; not starting " + n.id);
        }
        try {
            Files.createDirectories(n.dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> args = new ArrayList<>(List.of("--id", n.id, "--raft", n.raftAddress(), "--resp",
                n.host + ":" + n.respPort, "--data", n.dataDir.toString(), "--members", baseMembers()));
        if (n.join) {
            args.add("--join");
        }
        n.process = NodeProcess.start(jar, n.log, n.id, args, n.env);
        Leftovers.recordServer(runDir, n.process.pid());
        LOG.info("started {}", n);
    }

    /**
     * Starts a new, empty server {@code jK} with {@code --join} (told of the initial servers) and waits for READY;
     * it becomes a member only once the leader is asked {@code RAFT.ADD}.
     */
    public Node startJoiner() {
        String id = "j" + joiners.incrementAndGet();
        Node n = new Node(id, joinerHost, freePort(joinerHost), freePort(joinerHost), dataRoot.resolve(id),
                logRoot.resolve(id + ".log"), true);
        nodes.put(id, n);
        launch(n);
        n.process.awaitReady(START_TIMEOUT);
        return n;
    }

    /**
     * Ends {@code id}'s process (it was removed from the configuration) and deletes its data directory. Started
     * again ({@link #restart}), it is a new server with the same id and address: it starts with {@code --join} on
     * its empty directory (and on every restart after), and becomes a member only once the leader is asked
     * {@code RAFT.ADD} — never with the initial configuration, which would make an empty log a voter.
     */
    public void retire(String id) {
        Node n = node(id);
        n.join = true;
        NodeProcess p = n.process;
        if (p != null) {
            p.stop();
        }
        deleteTree(n.dataDir);
    }

    /** RAFT.INFO of {@code id} as name to value, or empty when it does not answer in time. */
    public Map<String, String> info(String id) {
        Node n = node(id);
        if (!n.isServing()) {
            return Map.of();
        }
        try (RespClient c = new RespClient(CLIENT_HOST, n.host, n.respPort, 1_000, INFO_TIMEOUT_MILLIS)) {
            Object reply = c.call("RAFT.INFO");
            Map<String, String> fields = new LinkedHashMap<>();
            if (reply instanceof List<?> lines) {
                for (Object line : lines) {
                    String s = String.valueOf(line);
                    int colon = s.indexOf(':');
                    if (colon > 0) {
                        fields.put(s.substring(0, colon), s.substring(colon + 1));
                    }
                }
            }
            return fields;
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
    }

    /** The server that says it leads in the highest term, if any answers so. */
    public Optional<String> leader() {
        String best = null;
        long bestTerm = -1;
        for (Node n : allNodes()) {
            Map<String, String> info = info(n.id);
            if ("leader".equals(info.get("role"))) {
                long term = Long.parseLong(info.getOrDefault("term", "0"));
                if (term > bestTerm) {
                    bestTerm = term;
                    best = n.id;
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /** Sends one command to {@code id} on a fresh connection. */
    public Object call(String id, int readMillis, String... args) throws IOException {
        Node n = node(id);
        try (RespClient c = new RespClient(CLIENT_HOST, n.host, n.respPort, 1_000, readMillis)) {
            return c.call(args);
        }
    }

    /** Ends every process by PID (SIGCONT first if stopped, then SIGKILL). */
    @Override
    public void close() {
        closed = true;
        for (Node n : allNodes()) {
            NodeProcess p = n.process;
            if (p != null) {
                try {
                    p.stop();
                } catch (RuntimeException e) {
                    LOG.warn("could not stop {}: {}", n, e.toString());
                }
            }
        }
    }

    /** Deletes the data directories (a tmpfs mount point stays; its contents go). */
    public void deleteData() {
        deleteTree(dataRoot);
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // a mount point in use: its contents are gone, the directory stays until unmounted
                }
            }
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", root, e.toString());
        }
    }
}
