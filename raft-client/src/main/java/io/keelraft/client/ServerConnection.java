package io.keelraft.client;

import io.keelraft.transport.netty.wire.direct.CallFrame;
import io.keelraft.transport.netty.wire.direct.ClientWire;
import io.keelraft.transport.netty.wire.direct.FrameBytes;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
 *
 * <p>Commands and their Applied answers, one of each per request, are written and read without the generated
 * protobuf code ({@link CallFrame}), in the same bytes; every other frame through {@link ClientWire}, so this module
 * never touches protobuf itself.
 */
final class ServerConnection {

    /** Where a connection reports to: answers, and requests it could not deliver. */
    interface Owner {
        /** {@code result} is the server's answer to {@code call}. */
        void applied(ServerConnection connection, Call call, byte[] result);

        /** The server's failure answer to {@code call}. */
        void failed(ServerConnection connection, Call call, ClientWire.Failed failure);

        void lost(ServerConnection connection, List<Call> unanswered, String why);

        /** A read burst ended: flush what the answers caused to be sent. */
        void readComplete();
    }

    /** Answers up to this size are read from one reused array; larger ones from their own. */
    private static final int REUSED_FRAME_BYTES = 64 * 1024;

    final String address;
    private final Bootstrap bootstrap;
    private final Owner owner;
    private final String clientName;
    private final int maxFrameBytes;
    private final LongObjectHashMap<Call> pending = new LongObjectHashMap<>();
    private final ArrayDeque<Call> waitingForHandshake = new ArrayDeque<>();
    /** Where a command's head is laid out ({@link CallFrame#writeCommandHead}). */
    private final byte[] head = new byte[CallFrame.MAX_HEAD_BYTES];
    /** Answers are read from one reused array. */
    private final FrameBytes frameBytes = new FrameBytes(REUSED_FRAME_BYTES);
    private final CallFrame.Fields answer = new CallFrame.Fields();
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
        channel.write(request(channel.alloc(), head, call), channel.voidPromise());
        dirty = true;
    }

    /**
     * The frame of {@code call}'s request, as it travels: a command written with {@link CallFrame} (its head laid
     * out in {@code head}, the command copied once, into the buffer), the others with the generated code.
     */
    static ByteBuf request(ByteBufAllocator alloc, byte[] head, Call call) {
        if (call.kind == Call.Kind.COMMAND) {
            int headLength = CallFrame.writeCommandHead(head, 0, call.callId, call.sessionId, call.seq,
                    call.ackedThroughAtSend, call.payload.length);
            return CallFrame.frame(alloc, head, headLength, call.payload);
        }
        return call.kind == Call.Kind.OPEN_SESSION ? ClientWire.openSession(alloc, call.callId)
                : ClientWire.query(alloc, call.callId, call.payload, call.mode);
    }

    /**
     * Reads {@code frame} into {@code into} when it is an Applied answer the direct reader takes (nearly every
     * answer); false for any other frame, which the generated parser then reads.
     */
    static boolean readApplied(ByteBuf frame, FrameBytes bytes, CallFrame.Fields into) {
        int length = frame.readableBytes();
        return length > 0 && frame.getByte(frame.readerIndex()) == CallFrame.APPLIED.firstByte()
                && CallFrame.APPLIED.read(bytes.array(frame), FrameBytes.offset(frame), length, into);
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

    /** The call {@code callId} answers, off this connection; null when none waits for it here any more. */
    private Call answeredCall(long callId) {
        Call call = pending.remove(callId);
        if (call != null) {
            call.sentOn = null;
        }
        return call;
    }

    /** Reads the server's frames on the I/O thread. */
    private final class Handler extends SimpleChannelInboundHandler<ByteBuf> {
        private int idleRounds;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(ClientWire.hello(ctx.alloc(), RaftClient.CLIENT_PROTOCOL_VERSION, clientName),
                    ctx.voidPromise());
            ctx.fireChannelActive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf bytes) throws IOException {
            idleRounds = 0;
            if (readApplied(bytes, frameBytes, answer)) {
                Call call = answeredCall(answer.id());
                if (call != null) {
                    owner.applied(ServerConnection.this, call, answer.bytes());
                }
                return;
            }
            ClientWire.ServerFrame frame;
            try {
                frame = ClientWire.read(bytes);
            } catch (IOException e) {
                throw new IOException(e.getMessage() + " from " + name(), e);
            }
            if (frame instanceof ClientWire.Handshake h) {
                serverId = h.nodeId();
                while (!waitingForHandshake.isEmpty()) {
                    write(waitingForHandshake.poll());
                }
                flush();
            } else if (frame instanceof ClientWire.Applied a) {
                Call call = answeredCall(a.callId());
                if (call != null) {
                    owner.applied(ServerConnection.this, call, a.result());
                }
            } else if (frame instanceof ClientWire.Failed f) {
                Call call = answeredCall(f.callId());
                if (call != null) {
                    owner.failed(ServerConnection.this, call, f);
                }
            } else if (frame instanceof ClientWire.ServerPing ping) {
                ctx.writeAndFlush(ClientWire.pong(ctx.alloc(), ping.nonce()), ctx.voidPromise());
            }
            // ServerPong: anything read counts as alive.
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
                ctx.writeAndFlush(ClientWire.ping(ctx.alloc(), idleRounds), ctx.voidPromise());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            RaftClient.LOG.debug("connection to {} failed", name(), cause);
            ctx.close();
        }
    }
}
