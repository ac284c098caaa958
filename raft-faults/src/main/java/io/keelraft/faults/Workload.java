package io.keelraft.faults;

import io.keelraft.testkit.linearizability.Command;
import io.keelraft.testkit.linearizability.History;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Concurrent clients, each on a thread of its own, sending GET, SET and CAS over RESP to random nodes on a few
 * keys (so operations contend), and recording every invocation and completion in one {@link History}.
 *
 * <p>How a reply is recorded:
 * <ul>
 *   <li>GET: a value or nil is OK with that result; an error reply is FAIL (a read changes nothing).</li>
 *   <li>SET {@code +OK} and CAS {@code :1} are OK; CAS {@code :0} is FAIL (no swap, nothing changed).</li>
 *   <li>A write answered {@code TRYAGAIN ...} or {@code ERR client session expired} is FAIL: the server says it
 *       certainly did not take effect (examples/kv ErrorReplies). {@code UNKNOWN ...} — the server's word for "may
 *       or may not have been applied", e.g. after a timeout — and every other error reply is UNKNOWN
 *       ({@link WriteErrors}).</li>
 *   <li>A timeout, a reset or a closed connection is UNKNOWN, never FAIL; the connection is dropped.</li>
 * </ul>
 * Written values are unique ({@code c<client>-<n>}), so each value read names the write it came from. CAS always
 * names a value (the server's CAS never swaps on a missing key, while the model's CAS with a nil expectation
 * would).
 */
public final class Workload implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Workload.class);

    private final KvCluster cluster;
    private final History history = new History();
    private final RunClock clock;
    private final List<String> keys;
    private final int clients;
    private final long seed;
    private final int readTimeoutMillis;
    private final Map<Long, String> nodeOf = new ConcurrentHashMap<>();
    private final AtomicInteger unexpectedReplies = new AtomicInteger();
    private final ExecutorService threads;
    private volatile boolean stopping;

    /**
     * Plans {@code clients} clients on {@code keyCount} keys; their random choices come from {@code seed}.
     *
     * @param readTimeoutMillis how long a client waits for a reply before it records the operation as unknown
     */
    public Workload(KvCluster cluster, RunClock clock, int clients, int keyCount, long seed, int readTimeoutMillis) {
        this.cluster = cluster;
        this.clock = clock;
        this.clients = clients;
        this.seed = seed;
        this.readTimeoutMillis = readTimeoutMillis;
        List<String> k = new ArrayList<>();
        for (int i = 0; i < keyCount; i++) {
            k.add("k" + i);
        }
        this.keys = List.copyOf(k);
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newFixedThreadPool(clients, r -> {
            Thread t = new Thread(r, "client-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
    }

    public History history() {
        return history;
    }

    public List<String> keys() {
        return keys;
    }

    /** The node an operation was sent to (for the history file). */
    public String nodeOf(long opId) {
        return nodeOf.getOrDefault(opId, "?");
    }

    /** Replies that fit no command's protocol (recorded as unknown, and reported). */
    public int unexpectedReplies() {
        return unexpectedReplies.get();
    }

    /** Starts every client. */
    public void start() {
        for (int c = 0; c < clients; c++) {
            int client = c;
            threads.execute(() -> new Client(client, new Random(seed * 31 + client)).run());
        }
    }

    /** Stops the clients: each finishes (or times out) its operation in flight and closes its connection. */
    @Override
    public void close() {
        stopping = true;
        threads.shutdown();
        try {
            if (!threads.awaitTermination(readTimeoutMillis + 30_000L, TimeUnit.MILLISECONDS)) {
                threads.shutdownNow();
                LOG.warn("clients did not stop in time; interrupted");
            }
        } catch (InterruptedException e) {
            threads.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** One client: one connection at a time, to a random node, one operation at a time. */
    private final class Client {
        private final int id;
        private final Random random;
        private final Map<String, String> lastSeen = new HashMap<>();
        private RespClient connection;
        private String node;
        private int written;

        Client(int id, Random random) {
            this.id = id;
            this.random = random;
        }

        void run() {
            try {
                while (!stopping) {
                    if (connection == null && !connect()) {
                        Poll.pause(Duration.ofMillis(100));
                        continue;
                    }
                    operate();
                    if (random.nextInt(20) == 0) {
                        disconnect(); // move to another node now and then
                    }
                }
            } catch (RuntimeException e) {
                LOG.error("client {} stopped: {}", id, e.toString(), e);
            } finally {
                disconnect();
            }
        }

        private boolean connect() {
            List<KvCluster.Node> nodes = cluster.baseNodes();
            KvCluster.Node n = nodes.get(random.nextInt(nodes.size()));
            try {
                connection = new RespClient(KvCluster.CLIENT_HOST, n.host(), n.respPort(), 1_000, readTimeoutMillis);
                node = n.id();
                return true;
            } catch (IOException e) {
                return false; // down (killed): nothing was sent
            }
        }

        private void disconnect() {
            if (connection != null) {
                connection.close();
                connection = null;
            }
        }

        private void operate() {
            String key = keys.get(random.nextInt(keys.size()));
            int dice = random.nextInt(100);
            String expected = lastSeen.get(key);
            if (dice < 45) {
                get(key);
            } else if (dice < 75 || expected == null) {
                String value = "c" + id + "-" + ++written;
                write(Command.put(key, value), key, value, "SET", key, value);
            } else {
                String value = "c" + id + "-" + ++written;
                write(Command.cas(key, expected, value), key, value, "CAS", key, expected, value);
            }
        }

        private void get(String key) {
            long op = history.invoke(id, Command.get(key), clock.nanos());
            nodeOf.put(op, node);
            Object reply;
            try {
                reply = connection.call("GET", key);
            } catch (IOException | RuntimeException e) {
                lost(op, e);
                return;
            }
            long now = clock.nanos();
            if (reply == null || reply instanceof String) {
                history.ok(op, now, (String) reply);
                if (reply != null) {
                    lastSeen.put(key, (String) reply);
                }
            } else if (reply instanceof RespClient.Error) {
                history.fail(op, now);
                backOff();
            } else {
                unexpected(op, "GET", reply);
            }
        }

        private void write(Command command, String key, String value, String... args) {
            long op = history.invoke(id, command, clock.nanos());
            nodeOf.put(op, node);
            Object reply;
            try {
                reply = connection.call(args);
            } catch (IOException | RuntimeException e) {
                lost(op, e);
                return;
            }
            long now = clock.nanos();
            boolean cas = command instanceof Command.Cas;
            if (!cas && "OK".equals(reply) || cas && Long.valueOf(1).equals(reply)) {
                history.ok(op, now);
                lastSeen.put(key, value);
            } else if (cas && Long.valueOf(0).equals(reply)) {
                history.fail(op, now);
                lastSeen.remove(key);
            } else if (reply instanceof RespClient.Error e) {
                WriteErrors.record(history, op, now, e.message());
                backOff();
            } else {
                unexpected(op, args[0], reply);
            }
        }

        /**
         * No reply, or one that cannot be parsed (a protocol error, reported): the outcome is unknown and the
         * connection is dropped.
         */
        private void lost(long op, Exception e) {
            history.unknown(op);
            if (e instanceof RuntimeException) {
                unexpectedReplies.incrementAndGet();
                LOG.warn("client {}: unreadable reply from {}: {}", id, node, e.toString());
            }
            disconnect();
        }

        private void unexpected(long op, String command, Object reply) {
            history.unknown(op);
            unexpectedReplies.incrementAndGet();
            LOG.warn("client {}: unexpected reply to {} from {}: {}", id, command, node, reply);
            disconnect();
        }

        /** After an error reply: another node, a little later. */
        private void backOff() {
            disconnect();
            Poll.pause(Duration.ofMillis(20 + random.nextInt(80)));
        }
    }
}
