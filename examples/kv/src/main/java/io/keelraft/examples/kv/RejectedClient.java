package io.keelraft.examples.kv;

import io.keelraft.core.util.RateLimitedLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.LoggerFactory;

/**
 * The whole pipeline of a connection over {@link ClientSlots}' limit: it answers {@code -ERR max number of clients
 * reached} (as Redis does), ignores whatever the client sends, and closes. The refusals are logged at most once per
 * ten seconds, with their count.
 */
@ChannelHandler.Sharable
final class RejectedClient extends ChannelInboundHandlerAdapter {

    static final String ERROR = "-ERR max number of clients reached\r\n";

    private static final ByteBuf REPLY = Unpooled.unreleasableBuffer(
            Unpooled.copiedBuffer(ERROR, StandardCharsets.US_ASCII)).asReadOnly();
    private static final RateLimitedLog LOG = new RateLimitedLog(LoggerFactory.getLogger(RejectedClient.class),
            Duration.ofSeconds(10));

    private final ClientSlots slots;

    RejectedClient(ClientSlots slots) {
        this.slots = slots;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        LOG.warnAbout("refused", null, "refusing client {}: max number of clients reached ({} connected, --max-clients {}, {} refused"
                + " so far)", ctx.channel().remoteAddress(), slots.connected(), slots.max(), slots.rejected());
        ctx.writeAndFlush(REPLY.duplicate()).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a client refused anyway: a reset is nothing to report
    }
}
