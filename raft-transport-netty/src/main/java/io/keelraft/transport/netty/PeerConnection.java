package io.keelraft.transport.netty;

import io.keelraft.core.protocol.Message;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.TransportException;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.SplittableRandom;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Our one long-lived connection to one peer, on which every message to it leaves. Kept up for the life of the
 * transport: a failed attempt or a lost connection is retried after a {@link ReconnectBackoff} delay.
 *
 * <p>Connection management runs on one event loop; {@link #send} and {@link #forward} are called from any
 * thread and only read the current connection. Messages are dropped and counted, never queued, while there is
 * no connection or while the connection's pending writes are past the high-water mark.
 */
final class PeerConnection {

    private static final Logger LOG = LoggerFactory.getLogger(PeerConnection.class);

    /** A connection whose handshake is done, with the forwarded requests that wait on it. */
    /**
     * A connection that stayed up this long was a real one: the next loss starts again from the minimum delay. A
     * refusal after the handshake comes within milliseconds; a restarted peer must not wait out a long delay.
     */
    private static final long LASTING_NANOS = TimeUnit.SECONDS.toNanos(1);

    private record Established(Channel channel, PendingForwards forwards, long sinceNanos) {
    }

    private final String peerId;
    private final PeerAddress address;
    private final NettyTransportOptions options;
    private final InetAddress localHost;
    private final EventLoop loop;
    private final IoFlavor io;
    private final ConnectionInitializer initializer;
    private final Executor resolver;
    private final TransportCounters counters;
    private final ReconnectBackoff backoff;
    private volatile Established established;
    private volatile boolean closed;

    PeerConnection(String peerId, PeerAddress address, NettyTransportOptions options, InetAddress localHost,
                   EventLoop loop, IoFlavor io, ConnectionInitializer initializer, Executor resolver,
                   TransportCounters counters) {
        this.peerId = peerId;
        this.address = address;
        this.options = options;
        this.localHost = localHost;
        this.loop = loop;
        this.io = io;
        this.initializer = initializer;
        this.resolver = resolver;
        this.counters = counters;
        this.backoff = new ReconnectBackoff(options.reconnectMinDelay(), options.reconnectMaxDelay(),
                new SplittableRandom());
    }

    void start() {
        loop.execute(this::resolveAndConnect);
    }

    /** Sends a Raft message, or drops it (counted) when the peer is unreachable or not keeping up. */
    void send(Message message) {
        Established e = established;
        if (e == null) {
            counters.droppedUnreachable.increment();
            return;
        }
        write(e.channel(), message, options, counters);
    }

    /**
     * Writes a Raft message on {@code channel} (our connection to its receiver, or the receiver's connection to
     * us), or drops it (counted) when the channel is past its high-water mark or the message is too large.
     */
    static void write(Channel channel, Message message, NettyTransportOptions options, TransportCounters counters) {
        if (!channel.isWritable()) {
            counters.droppedHighWaterMark.increment();
            return;
        }
        FrameEncoder.Outbound frame = FrameEncoder.Outbound.of(message);
        if (frame.size() > options.maxFrameBytes()) {
            counters.droppedOversized.increment();
            LOG.warn("{}: dropped a {} to {} of {} bytes, above the maximum frame size of {}", options.nodeId(),
                    frame.kind(), message.to(), frame.size(), options.maxFrameBytes());
            return;
        }
        counters.messagesSent.increment(); // counted first: the peer may have it before this thread goes on
        channel.writeAndFlush(FrameEncoder.encode(channel.alloc(), frame), channel.voidPromise());
    }

    /** Where this connection dials. */
    PeerAddress address() {
        return address;
    }

    /** Forwards a request; the answer comes back on the same connection, or the future fails. */
    CompletableFuture<ForwardResponse> forward(ForwardRequest request) {
        Established e = established;
        if (e == null) {
            return CompletableFuture.failedFuture(TransportException.notSent("no connection to peer " + peerId
                    + " at " + address));
        }
        Channel channel = e.channel();
        if (!channel.isWritable()) {
            return CompletableFuture.failedFuture(TransportException.notSent("peer " + peerId
                    + " is not keeping up: its pending writes are past the high-water mark"));
        }
        CompletableFuture<ForwardResponse> answer = new CompletableFuture<>();
        long id = e.forwards().register(answer);
        FrameEncoder.Outbound frame = FrameEncoder.Outbound.of(WireCodec.forwardRequest(id, request));
        if (frame.size() > options.maxFrameBytes()) {
            e.forwards().fail(id, TransportException.notSent("the forwarded request encodes to " + frame.size()
                    + " bytes, above the maximum frame size of " + options.maxFrameBytes()));
            return answer;
        }
        counters.forwardsSent.increment();
        channel.writeAndFlush(FrameEncoder.encode(channel.alloc(), frame)).addListener(f -> {
            if (!f.isSuccess()) {
                // May have been sent: part of the frame may have left before the write failed.
                e.forwards().fail(id, new TransportException("could not send a forwarded request to peer "
                        + peerId, f.cause()));
            }
        });
        var timeout = channel.eventLoop().schedule(() -> {
            CompletableFuture<ForwardResponse> expired = e.forwards().take(id);
            if (expired != null) {
                counters.forwardTimeouts.increment(); // before the caller can see the failure
                expired.completeExceptionally(new TransportException("peer " + peerId + " did not answer a "
                        + "forwarded request within " + options.forwardTimeout().toMillis() + " ms"));
            }
        }, options.forwardTimeout().toNanos(), TimeUnit.NANOSECONDS);
        answer.whenComplete((r, t) -> timeout.cancel(false));
        return answer;
    }

    /** True while a connection whose handshake is done is up. */
    boolean isConnected() {
        return established != null;
    }

    /** Closes the connection for good; pending forwarded requests fail. */
    void close() {
        closed = true;
        Established e = established;
        if (e != null) {
            e.channel().close();
        }
    }

    /** Resolving may block on DNS, so it happens on the resolver thread; connecting on the event loop. */
    private void resolveAndConnect() {
        if (closed) {
            return;
        }
        try {
            resolver.execute(() -> {
                InetSocketAddress remote = address.resolve();
                try {
                    loop.execute(() -> {
                        if (remote.isUnresolved()) {
                            retry("cannot resolve host " + address.host());
                        } else {
                            connect(remote);
                        }
                    });
                } catch (RejectedExecutionException e) {
                    LOG.debug("{}: not connecting to {}: the transport is closing", options.nodeId(), peerId);
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("{}: not connecting to {}: the transport is closing", options.nodeId(), peerId);
        }
    }

    private void connect(InetSocketAddress remote) {
        if (closed) {
            return;
        }
        PendingForwards forwards = new PendingForwards();
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(io.channel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        options.connectTimeout().toMillis()))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                        options.highWaterMarkBytes() / 2, options.highWaterMarkBytes()))
                // Leave from our own address, so that per-node partitions between loopback aliases work.
                .localAddress(new InetSocketAddress(localHost, 0))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        initializer.outbound(ch, peerId, address, forwards, established -> onEstablished(ch,
                                forwards));
                    }
                });
        io.userTimeout(bootstrap, options.livenessTimeout());
        ChannelFuture connecting = bootstrap.connect(remote);
        Channel channel = connecting.channel();
        channel.closeFuture().addListener(f -> onClosed(channel, forwards));
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                LOG.debug("{}: connecting to {} at {} failed: {}", options.nodeId(), peerId, address,
                        f.cause().toString());
            }
        });
    }

    private void onEstablished(Channel channel, PendingForwards forwards) {
        if (closed) {
            channel.close();
            return;
        }
        established = new Established(channel, forwards, System.nanoTime());
        counters.outboundConnections.increment();
        LOG.info("{}: connected to peer {} at {}{}", options.nodeId(), peerId, address,
                backoff.failures() > 0 ? " after " + backoff.failures() + " failed attempt(s)" : "");
        // The backoff is reset only once the connection proves to last (see onClosed): a peer that completes
        // the handshake and then refuses us (we are not a member it knows: a removed server still running)
        // must not be redialled at the minimum delay forever.
    }

    private void onClosed(Channel channel, PendingForwards forwards) {
        Established e = established;
        boolean wasUp = e != null && e.channel() == channel;
        boolean refused = false;
        if (wasUp) {
            established = null;
            if (System.nanoTime() - e.sinceNanos() >= LASTING_NANOS
                    || System.nanoTime() - e.sinceNanos() >= options.reconnectMaxDelay().toNanos()) {
                backoff.reset();
            } else {
                refused = true; // the handshake went through, then the peer dropped us at once
            }
        }
        forwards.failAll(new TransportException("the connection to peer " + peerId + " closed"));
        retry(wasUp ? "connection lost" : "could not connect", refused);
    }

    private void retry(String why) {
        retry(why, false);
    }

    /**
     * Dials again after a backoff delay. A peer that cannot be reached at all is redialled within a fraction of an
     * election timeout ({@link NettyTransportOptions#redialMaxDelay()}), so that a healed network or a restarted
     * peer is found at once; one that refuses us after the handshake backs off up to the reconnect maximum.
     */
    private void retry(String why, boolean refused) {
        if (closed) {
            return;
        }
        long delay = backoff.nextDelayMillis(refused ? options.reconnectMaxDelay().toMillis()
                : options.redialMaxDelay().toMillis());
        if (backoff.failures() == 1) {
            LOG.info("{}: {} to peer {} at {}; retrying in {} ms, backing off up to {} ms", options.nodeId(), why,
                    peerId, address, delay, (refused ? options.reconnectMaxDelay() : options.redialMaxDelay())
                            .toMillis());
        } else {
            LOG.debug("{}: {} to peer {} at {}; retry {} in {} ms", options.nodeId(), why, peerId, address,
                    backoff.failures(), delay);
        }
        loop.schedule(this::resolveAndConnect, delay, TimeUnit.MILLISECONDS);
    }
}
