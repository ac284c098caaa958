package io.keelraft.core;

import io.keelraft.core.metrics.RaftMetrics;
import io.keelraft.core.runtime.RaftGroup;
import io.keelraft.core.runtime.RuntimeSettings;
import io.keelraft.core.runtime.ThreadScheduler;
import io.keelraft.core.spi.LogStore;
import io.keelraft.core.spi.MetaStore;
import io.keelraft.core.spi.RaftScheduler;
import io.keelraft.core.spi.SnapshotStore;
import io.keelraft.core.spi.StorageProvider;
import io.keelraft.core.spi.Transport;
import io.keelraft.core.spi.TransportProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * One server of a Raft group, embedded in an application. Give it an id, the members, where to keep its data,
 * and a {@link StateMachine}; {@link #submit} replicates a command and completes with the state machine's
 * result once it is committed and applied here; {@link #query} reads linearizably.
 *
 * <pre>{@code
 * RaftNode node = RaftNode.builder()
 *         .id("n1")
 *         .members(Map.of("n1", "10.0.0.1:7000", "n2", "10.0.0.2:7000", "n3", "10.0.0.3:7000"))
 *         .dataDirectory(Path.of("/var/lib/myservice/raft"))
 *         .stateMachine(new MyStateMachine())
 *         .build();
 * node.start();
 * byte[] result = node.submit(command).get();
 * }</pre>
 *
 * <p>Thread-safe. Futures complete on the apply thread, or on the executor given to
 * {@link Builder#callbackExecutor}; never on the raft loop.
 */
public final class RaftNode implements AutoCloseable {

    private final RaftGroup runtime;
    private final RaftOptions options;

    private RaftNode(RaftGroup runtime, RaftOptions options) {
        this.runtime = runtime;
        this.options = options;
    }

    /** Starts a builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Joins the cluster: starts the election timer and the transport. */
    public RaftNode start() {
        runtime.start();
        return this;
    }

    /**
     * Replicates {@code command}; the future completes with {@link StateMachine#apply}'s result once the command
     * is committed and applied on this server. On a follower the command is forwarded to the leader unless
     * {@link RaftOptions#forwardToLeader()} is off. While this server knows no leader (just after start, or during an
     * election) the command waits for one, within {@link RaftOptions#requestTimeout()}, instead of failing at once;
     * so a server that starts and submits needs no step of its own to wait for the election. Every failure is a
     * {@link RaftException}: {@link NotLeaderException} (no leader to forward to: forwarding is off, or none was
     * elected within the request timeout), {@link NotMemberException} (this server is not in the configuration in
     * force: removed, or not added yet), {@link OverloadedException}, {@link ShutdownException},
     * {@link RaftTimeoutException}, {@link OutcomeUnknownException}, or a plain {@link RaftException} when the
     * forward to the leader failed (its cause, a {@link TransportException}, says why). {@link RaftException#mayHaveTakenEffect()} says whether it may still take
     * effect: false only when it certainly did not (refused before it was appended to any log), true after a
     * timeout, a leadership lost after appending it, or a forward the leader may have received — then use
     * {@link #openSession()} to retry it safely.
     *
     * @throws IllegalArgumentException when {@code command} is null or larger than
     *                                  {@link RaftOptions#maxCommandBytes()}
     */
    public CompletableFuture<byte[]> submit(byte[] command) {
        checkSize(command, "command");
        return runtime.submitPlain(command);
    }

    /**
     * Answers {@code query} with {@link StateMachine#query} on a state that reflects every command committed
     * before this call (ReadIndex, thesis §6.4): no log write, one heartbeat round. On a follower, the leader
     * supplies the read index and the query runs here. Like {@link #submit}, it waits for a leader within the
     * request timeout while none is known.
     *
     * @throws IllegalArgumentException when {@code query} is null or too large
     */
    public CompletableFuture<byte[]> query(byte[] query) {
        return query(query, ReadMode.READ_INDEX);
    }

    /**
     * Answers {@code query} with the given consistency; see {@link ReadMode} for what each one guarantees and
     * assumes.
     *
     * @throws IllegalArgumentException when {@code query} is null or too large
     */
    public CompletableFuture<byte[]> query(byte[] query, ReadMode mode) {
        checkSize(query, "query");
        return runtime.query(query, Objects.requireNonNull(mode, "mode"));
    }

    /**
     * Opens a client session (thesis §6.3): commands submitted through it take effect exactly once even when
     * retried across leader changes and timeouts. Opening retries by itself while no leader is reachable.
     */
    public CompletableFuture<ClientSession> openSession() {
        // Retried like a session command: a session opened twice costs one idle session that expires.
        return Retrying.until(runtime, runtime::openSession)
                .thenApply(sessionId -> new ClientSession(this, runtime, sessionId, 1));
    }

    /**
     * Continues session {@code sessionId} (opened on any server of the cluster) on this server, its next
     * command taking sequence number {@code nextSequence}. This is how a client that lost its server resends a
     * command whose outcome it never learned: resume with that command's sequence number and submit it again;
     * if it was applied, the cached result comes back and it is not applied again (thesis §6.3).
     *
     * @throws IllegalArgumentException when {@code sessionId} or {@code nextSequence} is not positive
     */
    public ClientSession resumeSession(long sessionId, long nextSequence) {
        if (sessionId <= 0 || nextSequence <= 0) {
            throw new IllegalArgumentException("session id and sequence numbers start at 1, got session "
                    + sessionId + " sequence " + nextSequence);
        }
        return new ClientSession(this, runtime, sessionId, nextSequence);
    }

    /**
     * Completes when this server stops: normally once {@link #close()} has finished, or exceptionally with a
     * {@link ShutdownException} naming the cause when the server stopped itself because going on would be
     * unsafe (its disk failed a write, or the state machine threw from {@code apply}). A stopped server has
     * left the cluster, which carries on without it; call {@link #close()} to release its threads and files,
     * then restart it (a service typically exits and lets its supervisor restart it).
     */
    public CompletableFuture<Void> terminated() {
        return runtime.terminated().copy();
    }

    /**
     * Takes a snapshot of the state applied on this server now (thesis chapter 5), after the one in progress if
     * any, and compacts the log behind it (keeping {@link RaftOptions#snapshotTrailingEntries()}). Snapshots are
     * also taken automatically (see {@link RaftOptions#snapshotLogBytes()}). Completes with what the snapshot
     * covers — the newest snapshot when nothing was applied since — or fails when it could not be written (the
     * log is then left as it was) or the server has no snapshot store.
     */
    public CompletableFuture<SnapshotMeta> snapshot() {
        return runtime.snapshot();
    }

    // ------------------------------------------------------------ membership (thesis chapter 4, §3.10)

    /**
     * Moves the cluster to {@code target}'s voters and learners (addresses are merged): through joint consensus
     * when the voters change, in one step when only learners do. Completes with the final configuration once it
     * is committed. Fails with {@link IllegalArgumentException} for bad input (no voters, no change, a joint
     * target), {@link IllegalStateException} while another change is in progress, {@link NotLeaderException} on a
     * follower or during a leadership transfer, {@link RaftTimeoutException} after the request timeout (the change
     * may still complete). Making new servers reachable is the transport's business.
     */
    public CompletableFuture<io.keelraft.core.ClusterConfiguration> changeMembership(
            io.keelraft.core.ClusterConfiguration target) {
        Objects.requireNonNull(target, "target");
        return runtime.changeMembership(current -> target);
    }

    /** Adds {@code server} (listening at {@code address}) as a learner: it receives the log but does not vote. */
    public CompletableFuture<io.keelraft.core.ClusterConfiguration> addLearner(String server, String address) {
        Objects.requireNonNull(server, "server");
        return runtime.changeMembership(c -> io.keelraft.core.runtime.Membership.withLearner(c, server, address));
    }

    /**
     * Adds {@code server} as a voter the safe way (thesis §4.2.1): as a learner first, promoted once it has caught
     * up with the leader's commitIndex. Fails (leaving it a learner) if it does not catch up within the request
     * timeout.
     */
    public CompletableFuture<io.keelraft.core.ClusterConfiguration> addVoter(String server, String address) {
        Objects.requireNonNull(server, "server");
        return runtime.addVoter(server, address);
    }

    /** Makes learner {@code server} a voter (through joint consensus). */
    public CompletableFuture<io.keelraft.core.ClusterConfiguration> promote(String server) {
        Objects.requireNonNull(server, "server");
        return runtime.changeMembership(c -> io.keelraft.core.runtime.Membership.promoted(c, server));
    }

    /**
     * Removes voter or learner {@code server}; removing the leader is allowed (it steps down once the new
     * configuration is committed, thesis §4.2.2). Removing the last voter is refused.
     */
    public CompletableFuture<io.keelraft.core.ClusterConfiguration> removeServer(String server) {
        Objects.requireNonNull(server, "server");
        return runtime.changeMembership(c -> io.keelraft.core.runtime.Membership.without(c, server));
    }

    /**
     * Hands leadership to voter {@code target} (thesis §3.10); completes once it leads. Fails with
     * {@link IllegalArgumentException} for this server, an unknown server or a non-voter, and with a
     * {@link RaftException} when the transfer aborts (the target did not take over within an election timeout).
     */
    public CompletableFuture<Void> transferLeadership(String target) {
        Objects.requireNonNull(target, "target");
        return runtime.transferLeadership(target);
    }

    /** The configuration in force on this server (the latest in its log, committed or not). */
    public CompletableFuture<io.keelraft.core.ClusterConfiguration> configuration() {
        return runtime.configuration();
    }

    /** This server's id. */
    public String id() {
        return runtime.id();
    }

    /** Its role as of the last event the raft loop processed. */
    public Role role() {
        return runtime.role();
    }

    /** Its current term as of the last event the raft loop processed. */
    public long term() {
        return runtime.term();
    }

    /** The leader it knows of, or null. */
    public String leaderId() {
        return runtime.leaderId();
    }

    /** The highest index applied to the state machine on this server. */
    public long lastApplied() {
        return runtime.lastApplied();
    }

    /**
     * The cluster's id as recorded in this server's data directory: the one given to
     * {@link Builder#clusterId}, or the one a new cluster's first leader generated. Null until this server has
     * learned it (a new cluster before its first entry commits; a new server before it hears from the cluster).
     */
    public String clusterId() {
        return runtime.clusterId();
    }

    /** A consistent snapshot of this server's Raft state, including followers' progress on a leader. */
    public CompletableFuture<NodeStatus> status() {
        return runtime.status();
    }

    /** Calls {@code listener(leaderId, term)} on every new leader this server learns of (on the apply thread). */
    public void addLeaderListener(BiConsumer<String, Long> listener) {
        runtime.addLeaderListener(Objects.requireNonNull(listener, "listener"));
    }

    /** Stops the server: fails or finishes every pending future, stops its threads, closes storage and transport. */
    @Override
    public void close() {
        runtime.close();
    }

    void checkSize(byte[] bytes, String what) {
        if (bytes == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (bytes.length > options.maxCommandBytes()) {
            throw new IllegalArgumentException(what + " of " + bytes.length + " bytes exceeds maxCommandBytes ("
                    + options.maxCommandBytes() + ")");
        }
    }

    /** Assembles a {@link RaftNode}; {@link #build()} names any missing part. */
    public static final class Builder {
        private String id;
        private final Map<String, String> members = new LinkedHashMap<>();
        private Path dataDirectory;
        private LogStore logStore;
        private MetaStore metaStore;
        private SnapshotStore snapshotStore;
        private Transport transport;
        private String listenAddress;
        private StateMachine stateMachine;
        private RaftOptions options = RaftOptions.defaults();
        private RaftScheduler scheduler;
        private Executor callbackExecutor;
        private String clusterId;
        private RaftMetrics metrics = RaftMetrics.NONE;
        private boolean joining;
        private Map<String, String> forcedVoters;

        private Builder() {
        }

        /** This server's id: one of the members. */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /**
         * The initial voting members: id to host:port, this server included. Used once: the first start of a new
         * data directory records them as the cluster's bootstrap configuration, and from then on the configuration
         * in the data directory is the truth (thesis §4.2.1). On later starts this list only supplies addresses: it
         * may name any subset of the members, servers the stored configuration does not name are ignored (add them
         * with {@link RaftNode#addVoter} or {@link RaftNode#addLearner}), and an address that differs from the stored one is refused at start, naming
         * both. With {@link #joining()}, instead:
         * this server's own address and those of servers of the cluster it joins (any subset; they are not
         * voters of anything this server decides).
         */
        public Builder members(Map<String, String> members) {
            this.members.clear();
            this.members.putAll(members);
            return this;
        }

        /**
         * Where to keep the log, term/vote and snapshots (requires {@code raft-storage} on the classpath): in
         * {@code log/}, {@code meta/} and {@code snapshots/} below it.
         */
        public Builder dataDirectory(Path directory) {
            this.dataDirectory = directory;
            return this;
        }

        /**
         * Explicit stores, instead of a data directory, without snapshots: the log is never compacted and a
         * follower that needs compacted entries cannot catch up. Prefer {@link #stores(LogStore, MetaStore,
         * SnapshotStore)}.
         */
        public Builder stores(LogStore logStore, MetaStore metaStore) {
            return stores(logStore, metaStore, null);
        }

        /** Explicit stores, instead of a data directory; {@code snapshotStore} may be null (no snapshots). */
        public Builder stores(LogStore logStore, MetaStore metaStore, SnapshotStore snapshotStore) {
            this.logStore = logStore;
            this.metaStore = metaStore;
            this.snapshotStore = snapshotStore;
            return this;
        }

        /**
         * Where this server's transport listens (host:port) when that is not the address the others reach it at,
         * its address in {@link #members}: behind NAT or in a container, bind {@code 0.0.0.0:7101} and advertise
         * the reachable address in {@code members}. Default: the member address.
         */
        public Builder listenAddress(String hostAndPort) {
            this.listenAddress = hostAndPort;
            return this;
        }

        /** An explicit transport, instead of the one found on the classpath ({@code raft-transport-netty}). */
        public Builder transport(Transport transport) {
            this.transport = transport;
            return this;
        }

        /** The user's state machine. */
        public Builder stateMachine(StateMachine stateMachine) {
            this.stateMachine = stateMachine;
            return this;
        }

        public Builder options(RaftOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Where to report metrics, e.g. {@code MicrometerMetrics.of(registry, id)} (default: nowhere). */
        public Builder metrics(RaftMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /**
         * Starts this server as one waiting to be added to an existing cluster (thesis §4.2.1), instead of
         * bootstrapping a cluster from {@link #members}: it starts with a configuration that has no members, so it
         * never campaigns and casts no decisive vote of its own, accepts the connection of whichever server leads,
         * and learns the cluster's configuration — and the addresses of its servers — from the leader's log or
         * snapshot once the leader adds it (as a learner first). {@code members(...)} then gives this server's
         * own address, plus any servers of the cluster it should know how to reach (for leader hints).
         *
         * <p>On later starts the configuration in the log or the newest snapshot is in force and this flag changes
         * nothing — but keep passing it: a server whose data directory is still empty must never bootstrap a
         * configuration of its own, or it could form a second cluster.
         */
        public Builder joining() {
            this.joining = true;
            return this;
        }

        /**
         * The cluster's id, if the operator wants to fix it (optional). By default a new cluster's first leader
         * generates a unique id and writes it into the first log entry; every server records the id in its data
         * directory and the transport refuses peers of another cluster. A server refuses to start on a directory
         * recording another cluster id than the one given here.
         */
        public Builder clusterId(String clusterId) {
            Objects.requireNonNull(clusterId, "clusterId");
            require(!clusterId.isBlank(), "clusterId must not be blank");
            this.clusterId = clusterId;
            return this;
        }

        /**
         * <b>Dangerous; disaster recovery only.</b> After the permanent loss of a majority no configuration change
         * can commit. This appends a configuration of exactly {@code voters} (id to host:port, this server included)
         * to this server's own log, in a new term, before it starts, so that those servers can elect a leader among
         * themselves. Entries held only by the lost servers are lost, and a lost server that comes back with its old
         * log could form a rival majority: start each named survivor with this once, then never again, and wipe
         * any server of the old configuration before it rejoins. Logged as a WARN.
         */
        public Builder forceNewConfiguration(Map<String, String> voters) {
            require(voters != null && !voters.isEmpty(), "forceNewConfiguration needs at least one voter");
            this.forcedVoters = Map.copyOf(voters);
            return this;
        }

        /** Time and threads (default: real threads named after the server id). The testkit passes virtual time. */
        public Builder scheduler(RaftScheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /** Where futures complete (default: the apply thread — keep callbacks short there). */
        public Builder callbackExecutor(Executor executor) {
            this.callbackExecutor = executor;
            return this;
        }

        /**
         * Checks the parts and builds the server (not yet started).
         *
         * @throws IllegalStateException naming the missing or inconsistent part
         */
        public RaftNode build() {
            require(id != null && !id.isBlank(), "id(...) is required");
            require(!members.isEmpty(), joining ? "members(...) is required: at least this server's own host:port"
                    : "members(...) is required: every voting server's id and host:port");
            require(members.containsKey(id), joining
                    ? "members(...) must give this server's own address (" + id + " -> host:port) to listen on"
                    : "id " + id + " is not one of the members " + members.keySet());
            require(stateMachine != null, "stateMachine(...) is required");
            require(dataDirectory != null || (logStore != null && metaStore != null),
                    "dataDirectory(...) or stores(...) is required");
            require(dataDirectory == null || logStore == null, "give dataDirectory(...) or stores(...), not both");
            require(listenAddress == null || transport == null,
                    "listenAddress(...) is for the transport found on the classpath; a transport(...) given listens "
                            + "where it was built to");
            // Find every provider before opening anything, so a missing module fails without side effects.
            StorageProvider storage = dataDirectory == null ? null
                    : ServiceLoader.load(StorageProvider.class).findFirst().orElseThrow(() ->
                            new IllegalStateException("dataDirectory(...) needs raft-storage on the classpath "
                                    + "(io.keelraft:raft-storage), or pass stores(...)"));
            TransportProvider transportProvider = transport != null ? null
                    : ServiceLoader.load(TransportProvider.class).findFirst().orElseThrow(() ->
                            new IllegalStateException("no transport: add raft-transport-netty to the classpath "
                                    + "(io.keelraft:raft-transport-netty), or pass transport(...)"));
            // What this builder opened is closed again if a later step fails: a data directory stays unlocked.
            List<AutoCloseable> opened = new ArrayList<>();
            try {
                LogStore log = logStore;
                MetaStore meta = metaStore;
                SnapshotStore snapshots = snapshotStore;
                if (storage != null) {
                    log = storage.openLog(dataDirectory);
                    opened.add(log);
                    meta = storage.openMeta(dataDirectory);
                    opened.add(meta);
                    snapshots = openSnapshots(storage);
                    if (snapshots != null) {
                        opened.add(snapshots);
                    }
                }
                Transport net = transport;
                if (transportProvider != null) {
                    net = transportProvider.create(clusterId, id, members, options.electionTimeout(), listenAddress);
                    opened.add(net);
                }
                RaftScheduler time = scheduler;
                if (time == null) {
                    time = new ThreadScheduler("keel-" + id);
                    opened.add(time);
                }
                RuntimeSettings settings = new RuntimeSettings(id, options,
                        joining ? new ClusterConfiguration(Set.of(), Set.of(), Set.of(), members)
                                : ClusterConfiguration.ofVoters(members), members, metrics, clusterId,
                        forcedVoters == null ? null : ClusterConfiguration.ofVoters(forcedVoters));
                return new RaftNode(new RaftGroup(settings, log, meta, snapshots, net, stateMachine, time,
                        callbackExecutor), options);
            } catch (RuntimeException e) {
                for (int i = opened.size() - 1; i >= 0; i--) {
                    try {
                        opened.get(i).close();
                    } catch (Exception suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
        }

        private SnapshotStore openSnapshots(StorageProvider storage) {
            try {
                // Like openLog and openMeta, the provider is given the data directory and picks its subdirectory.
                return storage.openSnapshots(dataDirectory, options.snapshotsRetained());
            } catch (UnsupportedOperationException e) {
                // A provider without snapshots: run without them (the log is not compacted), and say so.
                org.slf4j.LoggerFactory.getLogger(RaftNode.class).warn("{}: the storage provider {} keeps no "
                        + "snapshots ({}); the log will not be compacted", id, storage.getClass().getName(),
                        e.getMessage());
                return null;
            }
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalStateException(message);
            }
        }
    }
}
