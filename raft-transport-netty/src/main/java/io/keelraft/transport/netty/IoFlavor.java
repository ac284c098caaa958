package io.keelraft.transport.netty;

import io.netty.bootstrap.AbstractBootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/** Which I/O the event loops use: Linux's native epoll when it loads, Java NIO everywhere else. */
record IoFlavor(String name, IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> serverChannel,
                Class<? extends Channel> channel) {

    /**
     * Sets {@code TCP_USER_TIMEOUT} (epoll only; NIO has no such option): the kernel drops a connection whose
     * sent data stays unacknowledged this long, instead of retransmitting for up to ~15 minutes. It complements the
     * application's liveness check on connections that have data in flight.
     */
    <B extends AbstractBootstrap<B, ?>> void userTimeout(B bootstrap, java.time.Duration timeout) {
        if (channel == EpollSocketChannel.class) {
            bootstrap.option(EpollChannelOption.TCP_USER_TIMEOUT, userTimeoutMillis(timeout));
        }
    }

    /** The same for the connections a server accepts. */
    void userTimeout(ServerBootstrap bootstrap, java.time.Duration timeout) {
        if (channel == EpollSocketChannel.class) {
            bootstrap.childOption(EpollChannelOption.TCP_USER_TIMEOUT, userTimeoutMillis(timeout));
        }
    }

    private static int userTimeoutMillis(java.time.Duration timeout) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    }

    static IoFlavor choose(boolean preferNative) {
        if (preferNative && Epoll.isAvailable()) {
            return new IoFlavor("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                    EpollSocketChannel.class);
        }
        return new IoFlavor("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }
}
