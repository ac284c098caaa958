package io.keelraft.transport.netty;

import io.keelraft.core.protocol.Message;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.spi.Transport;
import io.keelraft.core.spi.TransportException;
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
 *   <li>Every connection starts with a handshake (cluster id, node id, protocol version); nothing else is
 *       accepted before it, and a mismatch closes the connection with a log line saying which.</li>
 *   <li>Bad input (garbage, a truncated or oversized frame, an unknown message type, a handshake from another
 *       cluster, a failed TLS handshake) closes that one connection, is logged and counted
 *       ({@link #metrics()}); the server keeps serving everyone else.</li>
 *   <li>Per peer, past {@link NettyTransportOptions#highWaterMarkBytes()} of pending writes, messages are
 *       dropped and counted: Raft retries, and memory stays bounded.</li>
 *   <li>Senders encode on their own thread; nothing blocks an event loop. Event loops use epoll on Linux when
 *       available, NIO otherwise, in threads named {@code keel-transport-<node id>-…}.</li>
 * </ul>
 *
 * <p>Thread-safe. {@link #start} binds the listen address (blocking until bound); {@link #close} releases
 * everything and waits for the threads to stop.
 */
public final class NettyTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);

    private enum State { NEW, STARTED, CLOSED }

    private final NettyTransportOptions options;
    private final TransportCounters counters = new TransportCounters();
    private final IoFlavor io;
    private volatile Map<String, PeerConnection> peers = Map.of();
    private State state = State.NEW;
    private EventLoopGroup group;
    private ExecutorService resolver;
    private Channel server;
    private ChannelGroup channels;

    public NettyTransport(NettyTransportOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.io = IoFlavor.choose(options.preferNativeTransport());
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
        ConnectionInitializer initializer = new ConnectionInitializer(options, receiver, counters, channels);
        InetAddress ownHost;
        try {
            ownHost = InetAddress.getByName(options.listenAddress().host());
            server = new ServerBootstrap()
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
        options.peers().forEach((id, address) -> connections.put(id, new PeerConnection(id, address, options,
                ownHost, group.next(), io, initializer, resolver, counters)));
        peers = Collections.unmodifiableMap(connections);
        LOG.info("{}: listening on {} ({}, {}{} I/O threads), peers {}", options.nodeId(), server.localAddress(),
                io.name(), options.tls() != null ? "mutual TLS, " : "plaintext, ", options.ioThreads(),
                options.peers());
        connections.values().forEach(PeerConnection::start);
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

    /** {@inheritDoc} Messages to an unknown peer, or before {@link #start} or after {@link #close}, are dropped. */
    @Override
    public void send(Message message) {
        PeerConnection peer = peers.get(message.to());
        if (peer == null) {
            counters.droppedUnreachable.increment();
            LOG.debug("{}: dropped a message to unknown peer {}", options.nodeId(), message.to());
            return;
        }
        peer.send(message);
    }

    @Override
    public CompletableFuture<ForwardResponse> forward(String peer, ForwardRequest request) {
        Objects.requireNonNull(request, "request");
        PeerConnection connection = peers.get(peer);
        if (connection == null) {
            return CompletableFuture.failedFuture(new TransportException(options.nodeId() + " has no peer " + peer));
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
