package io.keelraft.bench.transport;

import io.keelraft.core.protocol.Message;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.spi.TransportReceiver;
import io.keelraft.transport.netty.NettyTransport;
import io.keelraft.transport.netty.NettyTransportOptions;
import io.keelraft.transport.netty.PeerAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/** Two NettyTransports on loopback: "a" sends AppendEntries to "b", which decodes them and hands them on. */
final class KeelTransportLink implements Link {

    private final NettyTransport a;
    private final NettyTransport b;
    private final Message.AppendEntries message;
    private final int frameBytes;
    private final LongAdder received = new LongAdder();

    KeelTransportLink(Message.AppendEntries message, int frameBytes, int ioThreads) {
        this.message = message;
        this.frameBytes = frameBytes;
        // b listens on port 0 first; a is told where b is, and b learns of a only to accept its handshake.
        b = new NettyTransport(NettyTransportOptions.builder("b", "bench").listen("127.0.0.1:0")
                .peer("a", "127.0.0.1:1").ioThreads(ioThreads).build());
        b.start(new TransportReceiver() {
            @Override
            public void onMessage(Message m) {
                received.increment();
            }

            @Override
            public CompletableFuture<ForwardResponse> onForward(String from, ForwardRequest request) {
                throw new UnsupportedOperationException();
            }
        });
        a = new NettyTransport(NettyTransportOptions.builder("a", "bench").listen("127.0.0.1:0")
                .peer("b", new PeerAddress("127.0.0.1", b.listenAddress().getPort())).ioThreads(ioThreads).build());
        a.start(new TransportReceiver() {
            @Override
            public void onMessage(Message m) {
            }

            @Override
            public CompletableFuture<ForwardResponse> onForward(String from, ForwardRequest request) {
                throw new UnsupportedOperationException();
            }
        });
    }

    @Override
    public String name() {
        return "keel NettyTransport";
    }

    @Override
    public boolean ready() {
        return a.isConnected("b");
    }

    @Override
    public void send() {
        a.send(message);
    }

    @Override
    public long received() {
        return received.sum();
    }

    @Override
    public int frameBytes() {
        return frameBytes;
    }

    @Override
    public long dropped() {
        return a.metrics().droppedHighWaterMark() + a.metrics().droppedUnreachable();
    }

    @Override
    public void close() {
        a.close();
        b.close();
    }
}
