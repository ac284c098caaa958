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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis-protocol (RESP2) listener of one server: Netty's redis codec, then {@link RequestLimits}, the
 * aggregators, and a {@link RespConnection} per client. Epoll when available, NIO otherwise.
 */
final class RespServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RespServer.class);

    private final RaftNode node;
    private final KvLimits limits;
    private final CommandParser parser;
    private final LocalCommands local;
    private final AtomicLong clientIds = new AtomicLong();
    private EventLoopGroup group;
    private ChannelGroup channels;
    private Channel server;

    RespServer(RaftNode node, Map<String, String> members, KvLimits limits) {
        this.node = node;
        this.limits = limits;
        this.parser = new CommandParser(limits);
        this.local = new LocalCommands(node, members);
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
        try {
            server = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            channels.add(ch);
                            RequestLimits requestLimits = new RequestLimits(limits);
                            ch.pipeline().addLast(
                                    new RedisEncoder(),
                                    new RedisDecoder(true),
                                    requestLimits,
                                    new RedisBulkStringAggregator(),
                                    new RedisArrayAggregator(limits.maxArguments(), 1),
                                    new RespConnection(node, parser, local, requestLimits, limits,
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
        LOG.info("{}: serving RESP on {} ({})", node.id(), bound, epoll ? "epoll" : "nio");
        return bound;
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
