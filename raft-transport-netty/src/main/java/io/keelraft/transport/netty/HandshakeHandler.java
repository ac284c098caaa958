package io.keelraft.transport.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Both ends of every connection first say who they are: cluster id ({@link ClusterIdentity}: empty while a new
 * server does not know it yet), node id and protocol version. This end
 * sends its own as soon as the connection is up (behind TLS, once that handshake is done) and waits for the
 * other's. A server from another cluster, speaking another version, or one the {@link Admission} does not admit
 * (not a member this server knows) is refused with a {@link BadInputException} that names the mismatch; so is
 * silence past the handshake timeout. On success the
 * peer's id is recorded on the channel ({@link #PEER_ID}) and this handler leaves the pipeline.
 */
final class HandshakeHandler extends ChannelInboundHandlerAdapter {

    /**
     * The version of {@code keel.proto} this code speaks; both ends must speak the same. 2: Ping/Pong liveness
     * frames, which a version 1 server would refuse as an unknown message type.
     */
    static final int PROTOCOL_VERSION = 2;

    /** The node id the peer gave in its handshake; null until the handshake is done. */
    static final AttributeKey<String> PEER_ID = AttributeKey.valueOf("keel.peerId");

    private final ClusterIdentity cluster;
    private final String ownId;
    private final Admission admission;
    private final String expectedPeer;
    private final Duration timeout;
    private final Consumer<Channel> onEstablished;
    private ScheduledFuture<?> timer;

    /** Which node ids may talk to this server; asked at each handshake, so membership may change at any time. */
    @FunctionalInterface
    interface Admission {
        /** Null when {@code nodeId} may talk to us; otherwise why not, for the log line. */
        String refusal(String nodeId);

        /** Admits exactly {@code peers}. */
        static Admission of(Set<String> peers) {
            Set<String> fixed = Set.copyOf(peers);
            return nodeId -> fixed.contains(nodeId) ? null
                    : "unknown node id '" + nodeId + "' (our peers: " + String.join(", ", new TreeSet<>(fixed)) + ")";
        }
    }

    /**
     * @param admission     the node ids this server may talk to
     * @param expectedPeer  for an outbound connection, the peer we dialled; null for an inbound one (any peer)
     * @param onEstablished called on the channel's event loop once the handshake succeeded
     */
    HandshakeHandler(ClusterIdentity cluster, String ownId, Admission admission, String expectedPeer, Duration timeout,
                     Consumer<Channel> onEstablished) {
        this.cluster = cluster;
        this.ownId = ownId;
        this.admission = admission;
        this.expectedPeer = expectedPeer;
        this.timeout = timeout;
        this.onEstablished = onEstablished;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // With TLS, SslHandler holds this write back until its own handshake is done.
        ctx.writeAndFlush(FrameEncoder.encode(ctx.alloc(), WireCodec.handshake(cluster.presented(), ownId,
                PROTOCOL_VERSION)),
                ctx.voidPromise());
        timer = ctx.executor().schedule(() -> ctx.fireExceptionCaught(new BadInputException(
                Rejection.HANDSHAKE_FAILURE, "no handshake within " + timeout.toMillis() + " ms")),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    /**
     * Sets up a client connection (Keel's client protocol) in place of the peer dispatcher; null where clients are
     * not served (outbound connections, or a transport that refuses clients).
     */
    interface ClientAdmission {
        void admit(ChannelHandlerContext ctx, Envelope.ClientHello hello);
    }

    private ClientAdmission clients;

    /** Serves remote clients on this (inbound) connection if one says hello first. */
    HandshakeHandler admittingClients(ClientAdmission admission) {
        this.clients = admission;
        return this;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Envelope.ClientHello hello) {
            cancelTimer();
            String problem = clients == null ? "a client hello on a connection that does not serve clients"
                    : hello.protocolVersion() != ClientEndpoint.CLIENT_PROTOCOL_VERSION
                    ? "client protocol version " + hello.protocolVersion() + ", we speak "
                    + ClientEndpoint.CLIENT_PROTOCOL_VERSION : null;
            if (problem != null) {
                ctx.fireExceptionCaught(new BadInputException(Rejection.HANDSHAKE_FAILURE, problem));
                return;
            }
            ctx.channel().attr(ClientEndpoint.CLIENT).set(hello.clientName().isEmpty() ? "unnamed"
                    : hello.clientName());
            clients.admit(ctx, hello);
            ctx.pipeline().remove(this);
            return;
        }
        if (!(msg instanceof Envelope.Hello hello)) {
            // FrameDecoder lets nothing else through before the handshake; pass on whatever it is.
            ctx.fireChannelRead(msg);
            return;
        }
        String problem = mismatch(hello);
        if (problem != null) {
            cancelTimer();
            ctx.fireExceptionCaught(new BadInputException(Rejection.HANDSHAKE_FAILURE, problem));
            return;
        }
        cancelTimer();
        ctx.channel().attr(PEER_ID).set(hello.nodeId());
        onEstablished.accept(ctx.channel());
        ctx.pipeline().remove(this);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimer();
    }

    /** What is wrong with the peer's handshake, or null when it is one we talk to. */
    private String mismatch(Envelope.Hello hello) {
        if (hello.protocolVersion() != PROTOCOL_VERSION) {
            return "protocol version " + hello.protocolVersion() + ", we speak " + PROTOCOL_VERSION;
        }
        if (expectedPeer != null && !expectedPeer.equals(hello.nodeId())) {
            return "node id '" + hello.nodeId() + "' where we dialled '" + expectedPeer
                    + "' (is the peer's address configured right?)";
        }
        if (ownId.equals(hello.nodeId())) {
            return "node id '" + hello.nodeId() + "' is our own";
        }
        String refusal = admission.refusal(hello.nodeId());
        // Checked last, so that only a peer we would otherwise talk to can teach us the cluster id.
        return refusal != null ? refusal : cluster.refusal(hello.clusterId(), hello.nodeId());
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
