package io.keelraft.client;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import io.keelraft.transport.netty.wire.ClientHello;
import io.keelraft.transport.netty.wire.ClientRequest;
import io.keelraft.transport.netty.wire.ForwardResponse;
import io.keelraft.transport.netty.wire.Frame;
import io.keelraft.transport.netty.wire.Pong;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.collection.LongObjectHashMap;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The client's one connection to one server, multiplexing every request sent there: each carries a call id and
 * the answers come back with it, in any order. Requests are written without a flush as they are sent and flushed
 * once per batch ({@link #flush}), so many requests leave in one write syscall. Confined to the client's I/O
 * thread, like everything it touches.
 *
 * <p>The server first sends its handshake, which names it; until then requests wait here. A connection that reads
 * nothing for the liveness timeout (a server that hangs, a network that drops packets) is closed, and its
 * requests are handed back to the client to send elsewhere.
 */
final class ServerConnection {

    /** Where a connection reports to: answers, and requests it could not deliver. */
    interface Owner {
        void answered(ServerConnection connection, Call call, ForwardResponse response);

        void lost(ServerConnection connection, List<Call> unanswered, String why);

        /** A read burst ended: flush what the answers caused to be sent. */
        void readComplete();
    }

    final String address;
    private final Bootstrap bootstrap;
    private final Owner owner;
    private final String clientName;
    private final int maxFrameBytes;
    private final LongObjectHashMap<Call> pending = new LongObjectHashMap<>();
    private final ArrayDeque<Call> waitingForHandshake = new ArrayDeque<>();
    private Channel channel;
    /** The server's id from its handshake; null until it arrived. */
    private String serverId;
    private boolean dirty;
    private long nextFailedConnectLogNanos;

    ServerConnection(String address, Bootstrap bootstrap, Owner owner, String clientName, int maxFrameBytes) {
        this.address = address;
        this.bootstrap = bootstrap;
        this.owner = owner;
        this.clientName = clientName;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** {@code address} when it is a host:port. */
    static String checkAddress(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1 || !address.substring(colon + 1).chars()
                .allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("expected host:port, got '" + address + "'");
        }
        return address;
    }

    /** The server's id once it has said it, else its address. */
    String name() {
        return serverId != null ? serverId : address;
    }

    String serverId() {
        return serverId;
    }

    int unanswered() {
        return pending.size() + waitingForHandshake.size();
    }

    /** Sends {@code call} (connecting first if needed); the bytes leave at the next {@link #flush}. */
    void send(Call call, long callId) {
        call.callId = callId;
        call.sentOn = this;
        if (channel == null) {
            connect();
        }
        if (serverId == null) {
            waitingForHandshake.add(call);
            return;
        }
        write(call);
    }

    /** Forgets {@code call} (its deadline passed); a late answer is then ignored. */
    void forget(Call call) {
        if (pending.remove(call.callId) == null) {
            waitingForHandshake.remove(call);
        }
    }

    void flush() {
        if (dirty) {
            dirty = false;
            channel.flush();
        }
    }

    void close() {
        if (channel != null) {
            channel.close();
        }
    }

    private void write(Call call) {
        pending.put(call.callId, call);
        call.everSent = true;
        ClientRequest.Builder r = ClientRequest.newBuilder().setCallId(call.callId);
        switch (call.kind) {
            case OPEN_SESSION -> r.setOpenSession(ClientRequest.OpenSession.getDefaultInstance());
            case COMMAND -> r.setCommand(ClientRequest.Command.newBuilder().setSessionId(call.sessionId)
                    .setSeq(call.seq).setAckedThrough(call.ackedThroughAtSend)
                    .setCommand(UnsafeByteOperations.unsafeWrap(call.payload)));
            case QUERY -> r.setQuery(ClientRequest.Query.newBuilder()
                    .setQuery(UnsafeByteOperations.unsafeWrap(call.payload))
                    .setModeValue(call.mode.ordinal()));
        }
        channel.write(encode(channel, Frame.newBuilder().setClientRequest(r).build()), channel.voidPromise());
        dirty = true;
    }

    private void connect() {
        String host = address.substring(0, address.lastIndexOf(':'));
        int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        ChannelFuture f = bootstrap.clone().handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast("idle", new IdleStateHandler(RaftClient.LIVENESS_NANOS / 3, 0, 0,
                        TimeUnit.NANOSECONDS));
                ch.pipeline().addLast("frames", new LengthFieldBasedFrameDecoder(maxFrameBytes, 0, 4, 0, 4));
                ch.pipeline().addLast("client", new Handler());
            }
        }).option(ChannelOption.TCP_NODELAY, true).connect(new InetSocketAddress(host, port));
        Channel ch = f.channel();
        channel = ch;
        // Also when the connect fails, where no channelInactive fires.
        ch.closeFuture().addListener(x -> disconnected(ch, "the connection to " + name() + " closed"));
        f.addListener(done -> {
            if (!done.isSuccess()) {
                long now = System.nanoTime();
                if (now - nextFailedConnectLogNanos >= 0) {
                    nextFailedConnectLogNanos = now + TimeUnit.SECONDS.toNanos(5);
                    RaftClient.LOG.debug("cannot connect to {}: {}", address, done.cause().toString());
                }
            }
        });
    }

    /** The channel went away: every request on it goes back to the client, which sends it elsewhere. */
    private void disconnected(Channel closed, String why) {
        if (closed != channel) {
            return;
        }
        channel = null;
        serverId = null;
        dirty = false;
        List<Call> unanswered = new ArrayList<>(pending.values());
        unanswered.addAll(waitingForHandshake);
        pending.clear();
        waitingForHandshake.clear();
        unanswered.forEach(c -> c.sentOn = null);
        owner.lost(this, unanswered, why);
    }

    static ByteBuf encode(Channel channel, Frame frame) {
        int size = frame.getSerializedSize();
        ByteBuf out = channel.alloc().ioBuffer(4 + size);
        out.writeInt(size);
        try {
            CodedOutputStream coded = CodedOutputStream.newInstance(out.nioBuffer(out.writerIndex(), size));
            frame.writeTo(coded);
            coded.checkNoSpaceLeft();
        } catch (IOException e) {
            out.release();
            throw new IllegalStateException("a client frame did not encode to its " + size + " bytes", e);
        }
        out.writerIndex(out.writerIndex() + size);
        return out;
    }

    /** Reads the server's frames on the I/O thread. */
    private final class Handler extends SimpleChannelInboundHandler<ByteBuf> {
        private int idleRounds;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(encode(ctx.channel(), Frame.newBuilder().setClientHello(ClientHello.newBuilder()
                    .setClientProtocolVersion(RaftClient.CLIENT_PROTOCOL_VERSION).setClientName(clientName))
                    .build()), ctx.voidPromise());
            ctx.fireChannelActive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf bytes) throws IOException {
            idleRounds = 0;
            CodedInputStream in = CodedInputStream.newInstance(bytes.nioBuffer());
            Frame frame = Frame.parseFrom(in);
            switch (frame.getBodyCase()) {
                case HANDSHAKE -> {
                    serverId = frame.getHandshake().getNodeId();
                    while (!waitingForHandshake.isEmpty()) {
                        write(waitingForHandshake.poll());
                    }
                    flush();
                }
                case FORWARD_RESPONSE -> {
                    ForwardResponse r = frame.getForwardResponse();
                    Call call = pending.remove(r.getCorrelationId());
                    if (call != null) {
                        call.sentOn = null;
                        owner.answered(ServerConnection.this, call, r);
                    }
                }
                case PING -> ctx.writeAndFlush(encode(ctx.channel(), Frame.newBuilder().setPong(Pong.newBuilder()
                        .setNonce(frame.getPing().getNonce())).build()), ctx.voidPromise());
                case PONG -> {
                    // Anything read counts as alive.
                }
                default -> throw new IOException("unexpected " + frame.getBodyCase() + " frame from " + name());
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            owner.readComplete();
            ctx.fireChannelReadComplete();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                if (++idleRounds >= 3) {
                    RaftClient.LOG.info("closing the connection to {}: nothing read for {} ms", name(),
                            TimeUnit.NANOSECONDS.toMillis(RaftClient.LIVENESS_NANOS));
                    ctx.close();
                    return;
                }
                ctx.writeAndFlush(encode(ctx.channel(), Frame.newBuilder().setPing(
                        io.keelraft.transport.netty.wire.Ping.newBuilder().setNonce(idleRounds)).build()),
                        ctx.voidPromise());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            RaftClient.LOG.debug("connection to {} failed", name(), cause);
            ctx.close();
        }
    }
}
