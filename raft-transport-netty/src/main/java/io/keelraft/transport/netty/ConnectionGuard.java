package io.keelraft.transport.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of every connection: whatever went wrong on it ends here. Bad input from the peer closes the
 * connection with a log line naming the problem and one count in {@link TransportMetrics}; a broken socket just
 * closes it. Either way the server goes on serving everyone else.
 */
final class ConnectionGuard extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    private final String direction;
    private final TransportCounters counters;
    private boolean closing;

    /** @param direction "inbound" or "outbound", for log lines */
    ConnectionGuard(String direction, TransportCounters counters) {
        this.direction = direction;
        this.counters = counters;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (closing) {
            // One connection, one verdict: what follows the first problem is noise.
            LOG.debug("{} (already closing): {}", describe(ctx), cause.toString());
            return;
        }
        closing = true;
        Rejection rejection = classify(cause);
        if (rejection != null) {
            counters.rejected(rejection);
            LOG.warn("closing {}: {}: {}", describe(ctx), rejection, detail(cause));
        } else if (cause instanceof IOException) {
            LOG.debug("closing {}: {}", describe(ctx), cause.toString());
        } else {
            LOG.warn("closing {} after an unexpected error", describe(ctx), cause);
        }
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
            exceptionCaught(ctx, done.cause());
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // Nothing should get this far; drop it rather than let Netty's tail complain.
        ReferenceCountUtil.release(msg);
        LOG.debug("{}: dropped an unexpected {}", describe(ctx), msg.getClass().getSimpleName());
    }

    private static Rejection classify(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof BadInputException bad) {
                return bad.rejection();
            }
            if (t instanceof SSLException) {
                return Rejection.TLS_FAILURE;
            }
        }
        return null;
    }

    private static String detail(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof BadInputException || t instanceof SSLException) {
                return t.getMessage();
            }
        }
        return cause.toString();
    }

    private String describe(ChannelHandlerContext ctx) {
        String peer = ctx.channel().attr(HandshakeHandler.PEER_ID).get();
        return direction + " connection " + (direction.equals("inbound") ? "from " : "to ")
                + ctx.channel().remoteAddress() + (peer != null ? " (peer " + peer + ")" : "");
    }
}
