package io.keelraft.transport.netty;

import io.keelraft.core.spi.TransportReceiver;
import io.keelraft.core.util.RateLimitedLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles the handlers of one connection. Inbound and outbound connections differ only in who is expected
 * at the other end and in where forwarded answers go:
 *
 * <pre>
 *  idle → [tls] → flush consolidation → FrameDecoder → liveness → HandshakeHandler → InboundDispatcher
 *       → ConnectionGuard
 * </pre>
 *
 * The liveness check ({@link LivenessHandler}) is in two parts: an IdleStateHandler ahead of everything (any byte
 * read counts) and the ping/pong handler after the FrameDecoder; on inbound and outbound connections alike.
 *
 * Outbound frames are already encoded by their senders ({@link FrameEncoder}), so they pass only the flush
 * consolidation and TLS on their way to the socket.
 */
final class ConnectionInitializer {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionInitializer.class);

    /** Flushes are merged until this many are pending, or until the event loop has run the queued writes. */
    private static final int FLUSHES_BEFORE_EXPLICIT_FLUSH = 256;

    private final NettyTransportOptions options;
    private final TransportReceiver receiver;
    private final TransportCounters counters;
    private final ChannelGroup channels;
    private final HandshakeHandler.Admission admission;
    private final Consumer<Channel> inboundEstablished;
    private final RejectionLog rejections = RejectionLog.standard();
    private final RateLimitedLog livenessCloses = LivenessHandler.closeLog();
    private final ClusterIdentity cluster;
    private final java.util.function.UnaryOperator<String> addressOf;

    /**
     * @param channels           every open connection, so that closing the transport can close them all first
     * @param admission          which node ids may connect (asked at each handshake)
     * @param inboundEstablished called on the event loop with each inbound connection whose handshake is done
     * @param addressOf          a member's host:port by id, or null (leader hints for remote clients)
     */
    ConnectionInitializer(NettyTransportOptions options, TransportReceiver receiver, TransportCounters counters,
                          ChannelGroup channels, HandshakeHandler.Admission admission,
                          Consumer<Channel> inboundEstablished, ClusterIdentity cluster,
                          java.util.function.UnaryOperator<String> addressOf) {
        this.cluster = cluster;
        this.addressOf = addressOf;
        this.options = options;
        this.receiver = receiver;
        this.counters = counters;
        this.channels = channels;
        this.admission = admission;
        this.inboundEstablished = inboundEstablished;
    }

    /** A connection a peer opened to us: any server the admission admits may be at the other end. */
    void inbound(Channel channel) {
        ChannelPipeline p = channel.pipeline();
        if (options.tls() != null) {
            p.addLast("tls", options.tls().serverHandler(channel.alloc()));
        }
        HandshakeHandler handshake = common(p, null, null, ch -> {
            counters.inboundConnections.increment();
            LOG.info("{}: accepted a connection from peer {} ({})", options.nodeId(),
                    ch.attr(HandshakeHandler.PEER_ID).get(), ch.remoteAddress());
            inboundEstablished.accept(ch);
        });
        handshake.admittingClients((ctx, hello) -> {
            counters.clientConnections.increment();
            LOG.debug("{}: client {} connected from {}", options.nodeId(), hello.clientName(),
                    ctx.channel().remoteAddress());
            ctx.pipeline().replace("dispatch", "clients", new ClientEndpoint(receiver, addressOf,
                    options.maxClientInFlight(), options.maxFrameBytes(), options.nodeId()));
        });
    }

    /** A connection we opened to {@code peerId}: only that peer may answer. */
    void outbound(Channel channel, String peerId, PeerAddress address, PendingForwards forwards,
                  Consumer<Channel> onEstablished) {
        ChannelPipeline p = channel.pipeline();
        if (options.tls() != null) {
            p.addLast("tls", options.tls().clientHandler(channel.alloc(), address.host(), address.port()));
        }
        common(p, peerId, forwards, onEstablished);
    }

    private HandshakeHandler common(ChannelPipeline p, String expectedPeer, PendingForwards forwards,
                                    Consumer<Channel> onEstablished) {
        channels.add(p.channel());
        p.addFirst("idle", LivenessHandler.idleState(options.livenessTimeout()));
        p.addLast("flush", new FlushConsolidationHandler(FLUSHES_BEFORE_EXPLICIT_FLUSH, true));
        p.addLast("frames", new FrameDecoder(options.maxFrameBytes(), options.nodeId()));
        p.addLast("liveness", new LivenessHandler(options.livenessTimeout(), expectedPeer, counters,
                livenessCloses));
        HandshakeHandler handshake = new HandshakeHandler(cluster, options.nodeId(), admission,
                expectedPeer, options.handshakeTimeout(), onEstablished);
        p.addLast("handshake", handshake);
        p.addLast("dispatch", new InboundDispatcher(receiver, forwards, counters, options.maxFrameBytes()));
        p.addLast("guard", new ConnectionGuard(expectedPeer, counters, rejections));
        return handshake;
    }
}
