package io.keelraft.transport.netty;

import io.keelraft.core.util.RateLimitedLog;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection that has carried nothing back for the liveness timeout, so that its owner redials it.
 *
 * <p>Why: TCP alone does not notice a blackhole (packets dropped silently, as by a firewall or a partition). A
 * sender keeps retransmitting with exponential backoff; after the network heals, nothing flows until the next
 * retransmission, which after a minute's partition is itself a minute or more away (observed: {@code backoff:8
 * rto:52224} ms). Raft traffic is mostly one-way per connection — a leader's AppendEntries go on its connection,
 * the answers come back on the follower's — so silence is normal and says nothing; hence the pings.
 *
 * <p>How: an {@link IdleStateHandler} at the very front of the pipeline (so that any byte read counts, TLS
 * records included) reports every third of the timeout in which nothing was read. Each report sends a
 * {@link Envelope.Ping} once the handshake is done (before it, a ping would be refused); the peer answers every
 * ping with a {@link Envelope.Pong} at once, so on a live connection a read comes within a round trip. After three
 * reports in a row (the whole timeout without a byte read) the connection is closed — unless its own pending
 * writes drained meanwhile: a peer busy reading a long queue of ours (a snapshot on a slow link) is alive though its
 * pong waits behind our data. A handshake that gets no answer is cut short the same way. Both ends run this, so
 * each notices a dead connection on its own. Event-loop confined.
 */
final class LivenessHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(LivenessHandler.class);
    /** Reader-idle reports per timeout: two pings go out before the connection is given up. */
    private static final int CHECKS_PER_TIMEOUT = 3;

    private final Duration timeout;
    private final String dialled;
    private final TransportCounters counters;
    private final RateLimitedLog closes;
    private int idleChecks;
    private long nonce;
    private long pendingAtLastCheck = -1;

    /**
     * @param dialled for an outbound connection, the peer we dialled; null for an inbound one
     * @param closes  the transport's log of closes: while a peer stays cut off, every redial may end so
     */
    LivenessHandler(Duration timeout, String dialled, TransportCounters counters, RateLimitedLog closes) {
        this.timeout = timeout;
        this.dialled = dialled;
        this.counters = counters;
        this.closes = closes;
    }

    /** The log of liveness closes for one transport: one line per peer and direction per 10 s. */
    static RateLimitedLog closeLog() {
        return new RateLimitedLog(LOG, Duration.ofSeconds(10));
    }

    /** The handler that reports silence to this one; goes first in the pipeline. */
    static IdleStateHandler idleState(Duration timeout) {
        long checkNanos = Math.max(1, timeout.toNanos() / CHECKS_PER_TIMEOUT);
        return new IdleStateHandler(checkNanos, 0, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Envelope.Ping ping) {
            ctx.writeAndFlush(FrameEncoder.encode(ctx.alloc(), WireCodec.pong(ping.nonce())), ctx.voidPromise());
        } else if (!(msg instanceof Envelope.Pong)) {
            ctx.fireChannelRead(msg);
        }
        // Any frame at all is a sign of life; IdleStateHandler has seen it already.
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof IdleStateEvent idle) || idle.state() != IdleState.READER_IDLE) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        idleChecks = idle.isFirst() ? 1 : idleChecks + 1;
        if (writesDrained(ctx)) {
            idleChecks = 1; // the peer takes our bytes: it is alive, just busy
        }
        if (idleChecks >= CHECKS_PER_TIMEOUT) {
            counters.livenessTimeouts.increment();
            closes.info(dialled != null ? "to " + dialled : "from " + remoteHost(ctx),
                    "closing {}: nothing received for {} ms (liveness timeout); {}", describe(ctx),
                    timeout.toMillis(), dialled != null ? "redialling" : "the peer redials");
            ctx.close();
            return;
        }
        if (ctx.channel().attr(HandshakeHandler.PEER_ID).get() != null) {
            ctx.writeAndFlush(FrameEncoder.encode(ctx.alloc(), WireCodec.ping(++nonce)), ctx.voidPromise());
        }
    }

    private static String remoteHost(ChannelHandlerContext ctx) {
        String peer = ctx.channel().attr(HandshakeHandler.PEER_ID).get();
        if (peer != null) {
            return peer;
        }
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getHostString()
                : String.valueOf(ctx.channel().remoteAddress());
    }

    private String describe(ChannelHandlerContext ctx) {
        String peer = ctx.channel().attr(HandshakeHandler.PEER_ID).get();
        return dialled != null ? "the outbound connection to peer " + dialled + " (" + ctx.channel().remoteAddress()
                + (peer == null ? ", handshake not done" : "") + ")"
                : "the inbound connection from " + (peer == null ? "a server whose handshake is not done" : "peer "
                + peer) + " (" + ctx.channel().remoteAddress() + ")";
    }

    /** True when bytes queued for the socket went down since the last check: the peer's TCP is taking them. */
    private boolean writesDrained(ChannelHandlerContext ctx) {
        ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
        long pending = buffer == null ? 0 : buffer.totalPendingWriteBytes();
        boolean drained = pendingAtLastCheck > 0 && pending < pendingAtLastCheck;
        pendingAtLastCheck = pending;
        return drained;
    }
}
