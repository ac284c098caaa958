package io.keelraft.transport.netty;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/** Which I/O the event loops use: Linux's native epoll when it loads, Java NIO everywhere else. */
record IoFlavor(String name, IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> serverChannel,
                Class<? extends Channel> channel) {

    static IoFlavor choose(boolean preferNative) {
        if (preferNative && Epoll.isAvailable()) {
            return new IoFlavor("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                    EpollSocketChannel.class);
        }
        return new IoFlavor("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }
}
