package io.keelraft.examples.kv;

import io.keelraft.core.RaftNode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.redis.RedisArrayAggregator;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import io.netty.handler.codec.redis.RedisEncoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis-protocol (RESP2) listener of one server: Netty's redis codec, then {@link RequestLimits}, the
 * aggregators, and a {@link RespConnection} per client. Epoll when available, NIO otherwise.
 *
 * <p>No client can stop the server: at most {@link ClientSlots#max()} connections are served at once (the rest
 * get {@link RejectedClient}), an idle connection may be closed ({@link IdleClientCloser}), and a failing accept —
 * the process out of file descriptors — only pauses accepting ({@link AcceptErrors}).
 */
final class RespServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RespServer.class);
    /** How long accepting pauses after a failed accept (out of descriptors): short, the clients retry anyway. */
    private static final Duration ACCEPT_PAUSE = Duration.ofMillis(100);

    private final RaftNode node;
    private final KvLimits limits;
    private final CommandParser parser;
    private final LocalCommands local;
    private final AtomicLong clientIds = new AtomicLong();
    private final ClientSlots slots;
    private final Duration idleTimeout;
    private EventLoopGroup group;
    private ChannelGroup channels;
    private Channel server;

    /** A server with the default client limit and no idle timeout. */
    RespServer(RaftNode node, Map<String, String> members, KvLimits limits) {
        this(node, members, limits, new ClientSlots(ServerFlags.DEFAULT_MAX_CLIENTS), Duration.ZERO);
    }

    /**
     * @param slots       the connections served at once
     * @param idleTimeout how long a client connection may be idle before it is closed; zero for ever
     */
    RespServer(RaftNode node, Map<String, String> members, KvLimits limits, ClientSlots slots, Duration idleTimeout) {
        this.node = node;
        this.limits = limits;
        this.parser = new CommandParser(limits);
        this.local = new LocalCommands(node, members, slots);
        this.slots = slots;
        this.idleTimeout = idleTimeout;
    }

    /**
     * Listens on {@code host:port} (port 0: any free port) and returns the bound address.
     *
     * @throws IllegalStateException naming the address when it cannot be bound (e.g. in use)
     */
    InetSocketAddress start(String host, int port) {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("keel-resp", true), io);
        channels = new DefaultChannelGroup("keel-resp", GlobalEventExecutor.INSTANCE);
        RejectedClient rejected = new RejectedClient(slots);
        try {
            server = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .handler(new AcceptErrors(ACCEPT_PAUSE))
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (!slots.tryAcquire()) {
                                ch.pipeline().addLast(rejected);
                                return;
                            }
                            ch.closeFuture().addListener(f -> slots.release());
                            channels.add(ch);
                            RequestLimits requestLimits = new RequestLimits(limits);
                            ch.pipeline().addLast(
                                    new RedisEncoder(),
                                    new RedisDecoder(true),
                                    requestLimits,
                                    new RedisBulkStringAggregator(),
                                    new RedisArrayAggregator(limits.maxArguments(), 1));
                            if (closesIdle()) {
                                ch.pipeline().addLast(new IdleClientCloser(idleTimeout));
                            }
                            ch.pipeline().addLast(new RespConnection(node, parser, local, requestLimits, limits,
                                    clientIds.incrementAndGet()));
                        }
                    })
                    .bind(InetAddress.getByName(host), port)
                    .syncUninterruptibly()
                    .channel();
        } catch (Exception e) {
            close();
            throw new IllegalStateException("cannot listen for RESP on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        InetSocketAddress bound = (InetSocketAddress) server.localAddress();
        LOG.info("{}: serving RESP on {} ({}, at most {} clients{})", node.id(), bound, epoll ? "epoll" : "nio",
                slots.max(), closesIdle() ? ", idle ones closed after " + idleTimeout.toSeconds() + " s"
                        : "");
        return bound;
    }

    private boolean closesIdle() {
        return !idleTimeout.isZero() && !idleTimeout.isNegative();
    }

    /** Stops accepting, closes every client connection and stops the event loops, waiting for them. */
    @Override
    public void close() {
        if (server != null) {
            server.close().syncUninterruptibly();
            server = null;
        }
        if (channels != null) {
            channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            group = null;
        }
    }
}
