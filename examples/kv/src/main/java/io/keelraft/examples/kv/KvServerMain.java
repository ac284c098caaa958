package io.keelraft.examples.kv;

import io.keelraft.core.RaftNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar keel-kv.jar --id n1 --raft 127.0.0.1:7101 --resp 127.0.0.1:6401 --data DIR --members ...}:
 * one server of a replicated key-value store speaking RESP2 ({@link ServerFlags#USAGE}).
 *
 * <p>The contract scripts rely on: exactly one line {@code READY raft=HOST:PORT resp=HOST:PORT} on stdout once it
 * serves, logs on stderr, exit status 0 after a clean shutdown on SIGTERM (or SIGINT), and a non-zero status with a
 * one-line reason on stderr ({@code keel-kv: ...}) for a bad flag (2), or a busy port or a locked or corrupted data
 * directory (1), or a Raft node that stopped itself while serving (1: e.g. a state machine that failed, or a data
 * directory found damaged). A full disk is not one of them: the node rides it through and recovers by itself.
 */
public final class KvServerMain {

    private static final Logger LOG = LoggerFactory.getLogger(KvServerMain.class);

    /** The status the shutdown hook ends the JVM with: 0 for a stop by signal, else what {@link #fail} set. */
    private static volatile int exitStatus;
    private static volatile RespServer respServer;
    private static volatile RaftNode raftNode;

    private KvServerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (ServerFlags.wantsHelp(args)) {
            System.out.println(ServerFlags.USAGE);
            return;
        }
        ServerFlags flags;
        try {
            flags = ServerFlags.parse(args);
        } catch (ServerFlags.UsageException e) {
            System.err.println("keel-kv: " + e.getMessage() + " (see --help)");
            System.exit(2);
            return;
        }
        // A JVM stopped by SIGTERM exits with 143 once its hooks have run; this hook closes the RESP server, then
        // the Raft node (which finishes its log writes and releases the data directory), and ends with 0.
        Runtime.getRuntime().addShutdownHook(new Thread(KvServerMain::shutdown, "keel-kv-shutdown"));

        try {
            Files.createDirectories(flags.data());
        } catch (IOException | RuntimeException e) {
            fail("cannot create data directory " + flags.data() + ": " + e);
        }
        RaftNode node;
        try {
            RaftNode.Builder builder = RaftNode.builder();
            if (flags.join()) {
                builder.joining();
            }
            if (flags.clusterId() != null) {
                builder.clusterId(flags.clusterId());
            }
            if (flags.forceNewConfiguration() != null) {
                builder.forceNewConfiguration(flags.forceNewConfiguration());
            }
            node = builder
                    .id(flags.id())
                    .members(flags.members())
                    .dataDirectory(flags.data())
                    .stateMachine(new KvStateMachine())
                    .build();
        } catch (RuntimeException e) {
            fail("cannot open data directory " + flags.data() + ": " + e.getMessage());
            return;
        }
        raftNode = node;
        try {
            node.start();
        } catch (RuntimeException e) {
            fail("cannot start Raft on " + flags.raft() + ": " + e.getMessage());
        }
        // Fail-stop: a node that stopped itself (say, its state machine failed) never serves again, so the
        // process exits too, with the reason, and a supervisor restarts it from its durable state.
        node.terminated().whenComplete((done, e) -> {
            if (e != null) {
                Thread exit = new Thread(() -> fail("the Raft node stopped: " + ErrorReplies.unwrap(e).getMessage()),
                        "keel-kv-fail-stop");
                exit.start();
            }
        });
        RespServer resp = new RespServer(node, flags.members(), KvLimits.of(flags.maxValueBytes()),
                new ClientSlots(maxClients(flags.maxClients())), flags.clientIdleTimeout());
        InetSocketAddress bound;
        try {
            bound = resp.start(flags.resp().host(), flags.resp().port());
        } catch (RuntimeException e) {
            fail(e.getMessage());
            return;
        }
        respServer = resp;
        LOG.info("{}: ready, {} {}, data in {}", flags.id(), flags.join() ? "joining; told of" : "members",
                flags.members(), flags.data().toAbsolutePath());
        System.out.println("READY raft=" + flags.raft() + " resp=" + flags.resp().host() + ":" + bound.getPort());
        System.out.flush();
        new CountDownLatch(1).await(); // serve until a signal ends the JVM through the shutdown hook
    }

    /**
     * {@code requested}, lowered with a warning to what fits the descriptor limit ({@link DescriptorBudget}); the
     * process fails when no client fits at all.
     */
    private static int maxClients(int requested) {
        DescriptorBudget.Descriptors fds = DescriptorBudget.ofThisProcess();
        int fit = DescriptorBudget.clientsThatFit(requested, fds);
        if (fit < 1) {
            fail("the file-descriptor limit " + fds.max() + " (ulimit -n) leaves no room for clients: " + fds.open()
                    + " are open and " + DescriptorBudget.RESERVED + " are kept for the log, snapshots and peers;"
                    + " raise the limit");
        }
        if (fit < requested) {
            LOG.warn("--max-clients {} lowered to {}: the file-descriptor limit is {} (ulimit -n), {} are open and {}"
                    + " are kept for the log, snapshots and peers; raise the limit to serve more clients", requested,
                    fit, fds.max(), fds.open(), DescriptorBudget.RESERVED);
        }
        return fit;
    }

    /**
     * Closes whatever was opened, then prints the one-line reason (so it is the last line on stderr) and exits with
     * status 1.
     */
    private static void fail(String reason) {
        close(false);
        System.err.println("keel-kv: " + reason.replace('\n', ' ').replace('\r', ' '));
        exitStatus = 1;
        System.exit(1);
    }

    private static void shutdown() {
        close(true);
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(exitStatus);
    }

    /** Closes the RESP server, then the Raft node (which finishes its log writes and unlocks the directory). */
    private static synchronized void close(boolean log) {
        RespServer resp = respServer;
        RaftNode node = raftNode;
        respServer = null;
        raftNode = null;
        if (log && (resp != null || node != null)) {
            LOG.info("stopping");
        }
        try {
            if (resp != null) {
                resp.close();
            }
        } catch (RuntimeException e) {
            LOG.warn("closing the RESP server failed", e);
        }
        try {
            if (node != null) {
                node.close();
            }
        } catch (RuntimeException e) {
            LOG.warn("closing the Raft node failed", e);
        }
        if (log && (resp != null || node != null)) {
            LOG.info("stopped");
        }
    }
}
