package io.keelraft.transport.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
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

    private final String dialled;
    private final TransportCounters counters;
    private final RejectionLog rejections;
    private boolean closing;

    /** @param dialled for an outbound connection, the peer we dialled; null for an inbound one */
    ConnectionGuard(String dialled, TransportCounters counters, RejectionLog rejections) {
        this.dialled = dialled;
        this.counters = counters;
        this.rejections = rejections;
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
            rejections.rejected(describe(ctx), rejection, detail(cause));
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
        String remote = ctx.channel().remoteAddress() instanceof InetSocketAddress a
                ? NetUtil.toSocketAddressString(a) : String.valueOf(ctx.channel().remoteAddress());
        if (dialled != null) {
            return "outbound connection to peer " + dialled + " at " + remote;
        }
        String peer = ctx.channel().attr(HandshakeHandler.PEER_ID).get();
        return "inbound connection from " + (peer != null ? "peer " + peer + " at " : "") + remote;
    }
}
