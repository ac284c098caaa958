package io.keelraft.transport.netty;

import io.keelraft.core.protocol.Message;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.spi.Transport;
import io.keelraft.core.TransportException;
import io.keelraft.core.spi.TransportReceiver;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link Transport}: Netty 4.2 with length-prefixed protobuf frames ({@code keel.proto}).
 *
 * <ul>
 *   <li>One long-lived outbound connection per peer carries every message and forwarded request to it;
 *       connections peers open to us deliver their traffic to the receiver, and forwarded answers go back on
 *       the connection their request came on. Lost connections are re-established with exponential backoff
 *       and jitter.</li>
 *   <li>A connection on which nothing arrives for {@link NettyTransportOptions#livenessTimeout()} is closed and
 *       redialled: both ends ping a silent connection and answer pings, and under epoll {@code TCP_USER_TIMEOUT}
 *       is set to the same timeout. TCP alone would sit on a connection into a blackhole (a partition that drops
 *       packets silently) for as long as its retransmission backoff, minutes after a long partition.</li>
 *   <li>Every connection starts with a handshake (cluster id, node id, protocol version); nothing else is
 *       accepted before it, and a mismatch closes the connection with a log line saying which.</li>
 *   <li>Bad input (garbage, a truncated or oversized frame, an unknown message type, a handshake from another
 *       cluster, a failed TLS handshake) closes that one connection, is logged and counted
 *       ({@link #metrics()}); the server keeps serving everyone else.</li>
 *   <li>Per peer, past {@link NettyTransportOptions#highWaterMarkBytes()} of pending writes, messages are
 *       dropped and counted: Raft retries, and memory stays bounded.</li>
 *   <li>Membership is dynamic ({@link #membersChanged}): added servers are dialled, removed servers' connections
 *       are closed in both directions and traffic to them is dropped, and inbound handshakes are admitted only
 *       from the current members — or, while this server is not a member itself (waiting to be added), from any
 *       server of the cluster.</li>
 *   <li>Senders encode on their own thread; nothing blocks an event loop. Event loops use epoll on Linux when
 *       available, NIO otherwise, in threads named {@code keel-transport-<node id>-…}.</li>
 * </ul>
 *
 * <p>Trust: the handshake's cluster id and node id are claims, not credentials. Over plaintext, anyone who can
 * reach the port can claim to be a member; the membership check keeps honest misconfigurations apart (another
 * cluster, a removed server still running), nothing more. Use mutual TLS ({@link TlsOptions}) where the network is
 * not trusted: then only holders of a certificate from the cluster's CA connect at all (node ids are still not
 * bound to certificates: every holder is trusted as a member of the cluster).
 *
 * <p>Thread-safe. {@link #start} binds the listen address (blocking until bound); {@link #close} releases
 * everything and waits for the threads to stop.
 */
public final class NettyTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);

    private enum State { NEW, STARTED, CLOSED }

    private final NettyTransportOptions options;
    private final TransportCounters counters = new TransportCounters();
    private final ClusterIdentity cluster;
    private final IoFlavor io;
    /** Our outbound connections, one per member with a known address; replaced as a whole under the lock. */
    private volatile Map<String, PeerConnection> peers = Map.of();
    /** The current members' addresses (this server excluded), dialled once started. */
    private volatile Map<String, PeerAddress> members;
    /** True while this server is not a member it knows of: any server of the cluster may connect. */
    private volatile boolean openAdmission;
    /** Inbound connections past their handshake, by the peer's id: closed when it is removed; answers to a peer
     *  we have no address for leave on them. */
    private final Map<String, Set<Channel>> inbound = new ConcurrentHashMap<>();
    private InetAddress ownHost;
    private ConnectionInitializer initializer;
    private State state = State.NEW;
    private EventLoopGroup group;
    private ExecutorService resolver;
    private Channel server;
    private ChannelGroup channels;

    public NettyTransport(NettyTransportOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.io = IoFlavor.choose(options.preferNativeTransport());
        this.members = options.peers();
        this.cluster = new ClusterIdentity(options.clusterId());
    }

    /**
     * Binds the listen address and starts connecting to every peer.
     *
     * @throws TransportException when the listen address cannot be bound
     * @throws IllegalStateException when called twice, or after {@link #close}
     */
    @Override
    public synchronized void start(TransportReceiver receiver) {
        Objects.requireNonNull(receiver, "receiver");
        if (state != State.NEW) {
            throw new IllegalStateException("transport of " + options.nodeId() + " is " + state);
        }
        state = State.STARTED;
        String threads = "keel-transport-" + options.nodeId();
        group = new MultiThreadIoEventLoopGroup(options.ioThreads(), new DefaultThreadFactory(threads, true),
                io.ioHandlerFactory());
        resolver = Executors.newSingleThreadExecutor(new DefaultThreadFactory(threads + "-resolver", true));
        channels = new DefaultChannelGroup(threads, group.next());
        cluster.onLearned((clusterId, from) -> {
            LOG.info("{}: learned cluster id {} from {}", options.nodeId(), clusterId, from);
            receiver.clusterIdLearned(clusterId, from);
        });
        initializer = new ConnectionInitializer(options, receiver, counters, channels, this::refusal,
                this::inboundEstablished, cluster, this::addressOf);
        try {
            ownHost = InetAddress.getByName(options.listenAddress().host());
            ServerBootstrap bootstrap = new ServerBootstrap();
            io.userTimeout(bootstrap, options.livenessTimeout());
            server = bootstrap
                    .group(group)
                    .channel(io.serverChannel())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            initializer.inbound(ch);
                        }
                    })
                    .bind(ownHost, options.listenAddress().port())
                    .syncUninterruptibly()
                    .channel();
        } catch (Exception e) { // also the bind failure, which Netty rethrows unchecked-style
            close();
            throw new TransportException(options.nodeId() + ": cannot listen on " + options.listenAddress()
                    + ": " + e.getMessage(), e);
        }
        Map<String, PeerConnection> connections = new LinkedHashMap<>();
        members.forEach((id, address) -> connections.put(id, connect(id, address)));
        peers = Collections.unmodifiableMap(connections);
        LOG.info("{}: listening on {} ({}, {}{} I/O threads), peers {}{}", options.nodeId(), server.localAddress(),
                io.name(), options.tls() != null ? "mutual TLS, " : "plaintext, ", options.ioThreads(),
                members, openAdmission ? " (not a member yet: any server of the cluster may connect)" : "");
        connections.values().forEach(PeerConnection::start);
    }

    private PeerConnection connect(String id, PeerAddress address) {
        return new PeerConnection(id, address, options, ownHost, group.next(), io, initializer, resolver, counters);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Dials servers that are new or whose address changed (the old connection is closed), closes every
     * connection to and from servers no longer listed (messages to them are then dropped and counted as
     * unreachable), and from now on admits inbound handshakes only from the listed servers. While
     * {@code addresses} does not name this server, it is not a member (it waits to be added, or was removed):
     * then any server of the cluster is admitted, and a server it has no address for is answered on that server's
     * own connection. An address that is not {@code host:port} is logged and treated as unknown. Before
     * {@link #start} the call only sets whom {@code start} dials; after {@link #close} it does nothing.
     */
    @Override
    public synchronized void membersChanged(Map<String, String> addresses) {
        Objects.requireNonNull(addresses, "addresses");
        if (state == State.CLOSED) {
            return;
        }
        Map<String, PeerAddress> next = new TreeMap<>();
        addresses.forEach((id, address) -> {
            if (id.equals(options.nodeId())) {
                return; // we keep listening where we started
            }
            try {
                next.put(id, PeerAddress.parse(address));
            } catch (IllegalArgumentException e) {
                LOG.warn("{}: ignoring the address '{}' of member {}: {}", options.nodeId(), address, id,
                        e.getMessage());
            }
        });
        boolean open = !addresses.containsKey(options.nodeId());
        if (next.equals(members) && open == openAdmission) {
            return;
        }
        Set<String> removed = new TreeSet<>(members.keySet());
        removed.removeAll(next.keySet());
        // Admission first, then closing: a handshake that passed the old check re-checks once registered.
        members = Collections.unmodifiableMap(next);
        openAdmission = open;
        LOG.info("{}: members now {}{}{}", options.nodeId(), next,
                removed.isEmpty() ? "" : "; removed " + removed,
                open ? " (this server is not a member: any server of the cluster may connect)" : "");
        if (state == State.NEW) {
            return;
        }
        Map<String, PeerConnection> connections = new LinkedHashMap<>(peers);
        connections.entrySet().removeIf(e -> {
            PeerAddress wanted = next.get(e.getKey());
            if (wanted != null && wanted.equals(e.getValue().address())) {
                return false;
            }
            e.getValue().close();
            return true;
        });
        next.forEach((id, address) -> connections.computeIfAbsent(id, i -> {
            PeerConnection c = connect(i, address);
            c.start();
            return c;
        }));
        peers = Collections.unmodifiableMap(connections);
        if (!open) {
            inbound.keySet().forEach(this::closeInboundIfNotAdmitted);
        }
    }

    /** A member's host:port as configured, or null when {@code nodeId} is not a member this server knows. */
    private String addressOf(String nodeId) {
        if (nodeId.equals(options.nodeId())) {
            return options.listenAddress().toString();
        }
        PeerAddress a = members.get(nodeId);
        return a == null ? null : a.toString();
    }

    /** Null when {@code nodeId} may connect to us now, or why not (the handshake's refusal, logged). */
    private String refusal(String nodeId) {
        if (openAdmission || members.containsKey(nodeId)) {
            return null;
        }
        return "unknown node id '" + nodeId + "': not a member of the configuration this server knows (members: "
                + String.join(", ", members.keySet()) + "); a server being added is admitted once the "
                + "configuration adding it reaches this server";
    }

    /** Event loop: an inbound connection passed its handshake. */
    private void inboundEstablished(Channel channel) {
        String peer = channel.attr(HandshakeHandler.PEER_ID).get();
        // Both updates are atomic per peer, so a set emptied by one connection's close is never the one another
        // connection is being added to.
        inbound.compute(peer, (p, set) -> {
            Set<Channel> s = set != null ? set : ConcurrentHashMap.newKeySet();
            s.add(channel);
            return s;
        });
        channel.closeFuture().addListener(f -> inbound.computeIfPresent(peer, (p, set) -> {
            set.remove(channel);
            return set.isEmpty() ? null : set;
        }));
        if (refusal(peer) != null) {
            closeInboundIfNotAdmitted(peer); // removed while its handshake was in flight
        } else if (!members.containsKey(peer)) {
            LOG.info("{}: admitted {}, which this server does not know as a member (it is not a member itself yet)",
                    options.nodeId(), peer);
        }
    }

    private void closeInboundIfNotAdmitted(String peer) {
        if (refusal(peer) == null) {
            return;
        }
        Set<Channel> set = inbound.get(peer);
        if (set != null && !set.isEmpty()) {
            LOG.info("{}: closing the connection(s) from {}, no longer a member", options.nodeId(), peer);
            set.forEach(Channel::close);
        }
    }

    /**
     * The address this transport accepts connections on, with the real port when it was configured as 0.
     *
     * @throws IllegalStateException before {@link #start}
     */
    public synchronized InetSocketAddress listenAddress() {
        if (server == null) {
            throw new IllegalStateException("transport of " + options.nodeId() + " is not listening");
        }
        return (InetSocketAddress) server.localAddress();
    }

    /**
     * {@inheritDoc} A message goes on our connection to its receiver; when that is not up (we have no address for
     * the receiver, or are still dialling it, or backing off) it leaves on the receiver's own connection to us if it
     * has one: a server waiting to be added answers the leader that way, and a vote granted right after a
     * membership change reaches the candidate although our redial of it is still waiting. Otherwise it is dropped
     * (counted), as are messages before {@link #start} or after {@link #close}.
     */
    @Override
    public void send(Message message) {
        PeerConnection peer = peers.get(message.to());
        if (peer != null && peer.isConnected()) {
            peer.send(message);
            return;
        }
        Set<Channel> theirs = inbound.get(message.to());
        if (theirs != null) {
            for (Channel channel : theirs) {
                if (channel.isActive()) {
                    PeerConnection.write(channel, message, options, counters);
                    return;
                }
            }
        }
        if (peer != null) {
            peer.send(message); // counted as dropped unless it connected meanwhile
            return;
        }
        counters.droppedUnreachable.increment();
        LOG.debug("{}: dropped a message to unknown peer {}", options.nodeId(), message.to());
    }

    /** The servers this transport dials now: the current members with a known address, this server excluded. */
    public Set<String> peers() {
        return peers.keySet();
    }

    /** How many connections {@code peer} has open to us, past their handshake. */
    public int inboundConnections(String peer) {
        Set<Channel> set = inbound.get(peer);
        return set == null ? 0 : (int) set.stream().filter(Channel::isActive).count();
    }

    @Override
    public CompletableFuture<ForwardResponse> forward(String peer, ForwardRequest request) {
        Objects.requireNonNull(request, "request");
        PeerConnection connection = peers.get(peer);
        if (connection == null) {
            return CompletableFuture.failedFuture(TransportException.notSent(options.nodeId() + " has no peer " + peer));
        }
        return connection.forward(request);
    }

    /** True while our outbound connection to {@code peer} is up and past its handshake. */
    public boolean isConnected(String peer) {
        PeerConnection connection = peers.get(peer);
        return connection != null && connection.isConnected();
    }

    /** The counters since this transport was created. */
    public TransportMetrics metrics() {
        return counters.snapshot();
    }

    /** The cluster id presented at handshakes, or null while not known yet. */
    public String clusterId() {
        return cluster.get();
    }

    /**
     * {@inheritDoc} From now on peers presenting another id are refused; a different id adopted earlier from a
     * peer's handshake stays (the runtime finds the conflict when it applies the log's first entry).
     */
    @Override
    public void clusterIdentified(String clusterId) {
        String inForce = cluster.set(clusterId);
        if (!inForce.equals(clusterId)) {
            LOG.error("{}: the log names cluster {} but this transport adopted {} from a peer", options.nodeId(),
                    clusterId, inForce);
        }
    }

    /** This transport's options. */
    public NettyTransportOptions options() {
        return options;
    }

    /**
     * Closes every connection (forwarded requests still waiting fail), stops listening, and shuts the event loops
     * down, waiting for their threads to end. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        Map<String, PeerConnection> connections = peers;
        peers = Map.of();
        connections.values().forEach(PeerConnection::close);
        if (server != null) {
            server.close();
        }
        if (channels != null) {
            // Close every connection while the event loops still run, so that each peer sees its end at once.
            var closing = channels.close();
            if (!onEventLoop()) {
                closing.awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
        if (resolver != null) {
            resolver.shutdownNow();
        }
        if (group != null) {
            var terminated = group.shutdownGracefully(0, 5, TimeUnit.SECONDS);
            if (!onEventLoop()) {
                // An event loop cannot wait for itself; anyone else waits for the threads to end.
                terminated.awaitUninterruptibly(10, TimeUnit.SECONDS);
                awaitResolver();
            }
        }
        LOG.info("{}: transport closed", options.nodeId());
    }

    private void awaitResolver() {
        try {
            resolver.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean onEventLoop() {
        for (EventExecutor executor : group) {
            if (executor.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "NettyTransport{" + options.nodeId() + ", " + (server != null ? server.localAddress() : "not listening")
                + "}";
    }
}
