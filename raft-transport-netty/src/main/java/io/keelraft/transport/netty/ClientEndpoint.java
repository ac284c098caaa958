package io.keelraft.transport.netty;

import io.keelraft.core.spi.ClientCall;
import io.keelraft.core.spi.ClientRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.spi.TransportReceiver;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * Serves one remote client's connection (Keel's client protocol, {@code raft-client}): the requests read from
 * the socket in one read are handed to the runtime as one batch ({@link TransportReceiver#onClientRequests}), and
 * the answers that complete meanwhile are written together with one flush — one write syscall for many answers,
 * whatever thread completes them.
 *
 * <p>A client may keep at most {@code maxInFlight} requests unanswered on a connection; beyond that a request is
 * refused at once as overloaded (certainly not applied), so one client cannot queue without bound.
 */
final class ClientEndpoint extends ChannelInboundHandlerAdapter {

    /** The client's name from its hello; set on client connections only. */
    static final AttributeKey<String> CLIENT = AttributeKey.valueOf("keel.client");

    /** The version of the client protocol (the ClientHello/ClientRequest frames) this code speaks. */
    static final int CLIENT_PROTOCOL_VERSION = 1;

    private final TransportReceiver receiver;
    private final UnaryOperator<String> addressOf;
    private final int maxInFlight;
    private final int maxFrameBytes;
    private final String serverId;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Queue<ByteBuf> answers = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private Channel channel;
    private List<Call> batch = new ArrayList<>();

    /** @param addressOf a server's host:port by id, or null when unknown (for the leader hints of answers) */
    ClientEndpoint(TransportReceiver receiver, UnaryOperator<String> addressOf, int maxInFlight, int maxFrameBytes,
                   String serverId) {
        this.receiver = receiver;
        this.addressOf = addressOf;
        this.maxInFlight = maxInFlight;
        this.maxFrameBytes = maxFrameBytes;
        this.serverId = serverId;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Envelope.ClientCall call)) {
            ctx.fireChannelRead(msg);
            return;
        }
        Call c = new Call(call.callId(), call.request());
        if (inFlight.incrementAndGet() > maxInFlight) {
            c.reply(new ForwardResponse.Failed(ForwardResponse.Reason.OVERLOADED, null, "server " + serverId
                    + ": this connection has " + maxInFlight + " requests unanswered, the most a client may", true));
            return;
        }
        batch.add(c);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!batch.isEmpty()) {
            List<Call> calls = batch;
            batch = new ArrayList<>(Math.max(16, calls.size()));
            try {
                receiver.onClientRequests(calls);
            } catch (RuntimeException e) {
                // Not vouched for: the receiver may have taken some of them.
                calls.forEach(c -> c.reply(new ForwardResponse.Failed(ForwardResponse.Reason.INTERNAL, null,
                        "server " + serverId + " failed to take the request: " + e)));
            }
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ByteBuf b;
        while ((b = answers.poll()) != null) {
            b.release();
        }
        ctx.fireChannelInactive();
    }

    /** Any thread: queues an encoded answer; the first answer queued schedules one write-and-flush of all. */
    private void send(long callId, ForwardResponse response) {
        inFlight.decrementAndGet();
        if (!channel.isActive()) {
            return;
        }
        // Applied, the answer to nearly every request, skips the generated code's builders and messages.
        ByteBuf answer = response instanceof ForwardResponse.Applied applied
                ? FrameEncoder.encodeApplied(channel.alloc(), callId, applied, maxFrameBytes) : null;
        answers.add(answer != null ? answer : encode(callId, response));
        if (flushScheduled.compareAndSet(false, true)) {
            channel.eventLoop().execute(this::writeAnswers);
        }
    }

    /** An answer through the generated code: a failure, or an Applied one too large to send. */
    private ByteBuf encode(long callId, ForwardResponse response) {
        String address = response instanceof ForwardResponse.Failed f && f.leaderHint() != null
                ? addressOf.apply(f.leaderHint()) : null;
        FrameEncoder.Outbound frame = FrameEncoder.Outbound.of(WireCodec.clientResponse(callId, response, address));
        if (frame.size() > maxFrameBytes) {
            // Not vouched for: the answer too large to send may be an Applied one.
            frame = FrameEncoder.Outbound.of(WireCodec.clientResponse(callId, new ForwardResponse.Failed(
                    ForwardResponse.Reason.INTERNAL, null, "the answer encodes to " + frame.size()
                    + " bytes, above the maximum frame size of " + maxFrameBytes), null));
        }
        return FrameEncoder.encode(channel.alloc(), frame);
    }

    private void writeAnswers() {
        flushScheduled.set(false);
        ByteBuf b;
        boolean wrote = false;
        while ((b = answers.poll()) != null) {
            if (channel.isActive()) {
                channel.write(b, channel.voidPromise());
                wrote = true;
            } else {
                b.release();
            }
        }
        if (wrote) {
            channel.flush();
        }
    }

    /** One request and where its answer goes. */
    private final class Call implements ClientCall {
        private final long callId;
        private final ClientRequest request;
        private final AtomicBoolean answered = new AtomicBoolean();

        Call(long callId, ClientRequest request) {
            this.callId = callId;
            this.request = request;
        }

        @Override
        public ClientRequest request() {
            return request;
        }

        @Override
        public void reply(ForwardResponse response) {
            if (answered.compareAndSet(false, true)) {
                send(callId, response);
            }
        }
    }
}
