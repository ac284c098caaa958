package io.keelraft.examples.kv;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a client connection that has neither sent nor been sent anything for {@code --client-idle-timeout}
 * (Redis' {@code timeout}) — unless it waits for a reply: a command in flight (a write waiting for an election,
 * say) is not idleness. Sits between the aggregators and {@link RespConnection}, so it sees whole commands in and
 * replies out, and counts the difference.
 */
final class IdleClientCloser extends IdleStateHandler {

    private static final Logger LOG = LoggerFactory.getLogger(IdleClientCloser.class);

    private int awaitingReplies; // event loop only

    IdleClientCloser(Duration timeout) {
        super(false, 0, 0, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        awaitingReplies++;
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        // An empty command gets no reply, so this may undercount; it never goes below zero.
        awaitingReplies = Math.max(0, awaitingReplies - 1);
        super.write(ctx, msg, promise);
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        if (awaitingReplies == 0) {
            LOG.debug("{}: closing an idle client connection", ctx.channel().remoteAddress());
            ctx.close();
        }
    }
}
