package io.keelraft.bench.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The baseline: the same frame bytes over a plain Netty pipeline (length-prefixed frames, flush consolidation,
 * the same I/O flavor and thread counts) with no Raft encoding or decoding: the sender writes one prepared
 * buffer again and again, and the receiver counts frames and releases them.
 */
final class PlainNettyLink implements Link {

    private final EventLoopGroup serverGroup;
    private final EventLoopGroup clientGroup;
    private final Channel server;
    private final Channel client;
    private final ByteBuf frame;
    private final LongAdder received = new LongAdder();

    PlainNettyLink(byte[] frameBytes, int ioThreads) {
        boolean epoll = Epoll.isAvailable();
        Class<? extends ServerChannel> serverChannel = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        Class<? extends Channel> channel = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        serverGroup = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("plain-server", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        clientGroup = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("plain-client", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        server = new ServerBootstrap().group(serverGroup).channel(serverChannel)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(16 << 20, 0, 4, 0, 4, true),
                                new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        ((ByteBuf) msg).release();
                                        received.increment();
                                    }
                                });
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
        client = new Bootstrap().group(clientGroup).channel(channel)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new FlushConsolidationHandler(256, true));
                    }
                })
                .connect((InetSocketAddress) server.localAddress()).syncUninterruptibly().channel();
        frame = PooledByteBufAllocator.DEFAULT.directBuffer(frameBytes.length).writeBytes(frameBytes);
    }

    @Override
    public String name() {
        return "plain Netty (baseline)";
    }

    @Override
    public boolean ready() {
        return client.isActive();
    }

    @Override
    public void send() {
        client.writeAndFlush(frame.retainedDuplicate(), client.voidPromise());
    }

    @Override
    public long received() {
        return received.sum();
    }

    @Override
    public int frameBytes() {
        return frame.readableBytes();
    }

    @Override
    public void close() {
        client.close().syncUninterruptibly();
        server.close().syncUninterruptibly();
        clientGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        serverGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        frame.release();
    }
}
