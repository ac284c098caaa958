package io.keelraft.examples.kv;

import io.keelraft.core.util.RateLimitedLog;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * On the listening channel: an {@code accept} that fails — typically EMFILE/ENFILE, the process or the system out
 * of file descriptors — is the clients' problem, never the server's. It is logged at most once per ten seconds
 * (with the count), accepting pauses for {@code pause} so that a full backlog does not spin the event loop, and
 * the error goes no further: nothing else in the server hears of it.
 */
final class AcceptErrors extends ChannelInboundHandlerAdapter {

    private static final RateLimitedLog LOG = new RateLimitedLog(LoggerFactory.getLogger(AcceptErrors.class),
            Duration.ofSeconds(10));

    private final Duration pause;

    AcceptErrors(Duration pause) {
        this.pause = pause;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        LOG.warnAbout("accept", cause, "cannot accept a client connection on {}; accepting pauses for {} ms",
                ctx.channel().localAddress(), pause.toMillis());
        if (ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(false);
            ctx.executor().schedule(() -> ctx.channel().config().setAutoRead(true), pause.toNanos(),
                    TimeUnit.NANOSECONDS);
        }
    }
}
