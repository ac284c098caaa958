package io.keelraft.transport.netty;

import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.spi.TransportReceiver;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands decoded frames on: Raft messages to the receiver, forwarded requests to the receiver with the answer
 * written back on this same connection, and answers to the requests this connection is waiting on.
 */
final class InboundDispatcher extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(InboundDispatcher.class);

    private final TransportReceiver receiver;
    private final PendingForwards forwards;
    private final TransportCounters counters;
    private final int maxFrameBytes;

    /** @param forwards what this connection's forwarded requests wait on; null on inbound connections */
    InboundDispatcher(TransportReceiver receiver, PendingForwards forwards, TransportCounters counters,
                      int maxFrameBytes) {
        this.receiver = receiver;
        this.forwards = forwards;
        this.counters = counters;
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Envelope.Raft raft) {
            counters.messagesReceived.increment();
            try {
                receiver.onMessage(raft.message());
            } catch (RuntimeException e) {
                // The receiver's fault, not the peer's: keep the connection.
                LOG.error("receiver failed on a message from {}", raft.message().from(), e);
            }
        } else if (msg instanceof Envelope.Forward forward) {
            answer(ctx.channel(), forward);
        } else if (msg instanceof Envelope.ForwardReply reply) {
            if (forwards != null) {
                forwards.complete(reply.correlationId(), reply.response());
            } else {
                LOG.debug("ignoring a forwarded answer on an inbound connection from {}",
                        ctx.channel().attr(HandshakeHandler.PEER_ID).get());
            }
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void answer(Channel channel, Envelope.Forward forward) {
        String from = channel.attr(HandshakeHandler.PEER_ID).get();
        CompletableFuture<ForwardResponse> answer;
        try {
            answer = receiver.onForward(from, forward.request());
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((response, error) -> reply(channel, forward.correlationId(), forward.request(),
                response != null ? response : failure(error)));
    }

    private void reply(Channel channel, long correlationId, ForwardRequest request, ForwardResponse response) {
        if (!channel.isActive()) {
            return; // the requester's side has failed its future already
        }
        FrameEncoder.Outbound frame = FrameEncoder.Outbound.of(WireCodec.forwardResponse(correlationId, response));
        if (frame.size() > maxFrameBytes) {
            // Not vouched for (certainly_not_applied false): the answer too large to send may be an Applied one.
            frame = FrameEncoder.Outbound.of(WireCodec.forwardResponse(correlationId, new ForwardResponse.Failed(
                    ForwardResponse.Reason.INTERNAL, null, "the answer to " + request.getClass().getSimpleName()
                    + " encodes to " + frame.size() + " bytes, above the maximum frame size of " + maxFrameBytes)));
        }
        channel.writeAndFlush(FrameEncoder.encode(channel.alloc(), frame), channel.voidPromise());
    }

    private static ForwardResponse failure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        String message = cause == null ? "the receiver answered null" : String.valueOf(cause);
        // Outcome unknown (certainly_not_applied false): the receiver failed, and may have appended the command.
        return new ForwardResponse.Failed(ForwardResponse.Reason.INTERNAL, null, message);
    }
}
