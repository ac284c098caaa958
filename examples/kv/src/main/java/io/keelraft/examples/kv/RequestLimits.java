package io.keelraft.examples.kv;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.redis.ArrayHeaderRedisMessage;
import io.netty.handler.codec.redis.BulkStringHeaderRedisMessage;
import io.netty.util.ReferenceCountUtil;

/**
 * Sits between the RESP decoder and the aggregators and refuses, from the headers alone, a command that would
 * make the server buffer more than {@link KvLimits#maxRequestBytes()} or hold more than
 * {@link KvLimits#maxArguments()} arguments — a 1 GiB length prefix costs nothing. After a refusal everything
 * else on the connection is dropped until it closes ({@link RespConnection} answers with a protocol error and
 * closes it).
 */
final class RequestLimits extends ChannelInboundHandlerAdapter {

    private final KvLimits limits;
    private long bytes;
    private boolean failed;

    RequestLimits(KvLimits limits) {
        this.limits = limits;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (failed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ArrayHeaderRedisMessage h && h.length() > limits.maxArguments()) {
            refuse(msg, "a command of " + h.length() + " arguments; at most " + limits.maxArguments()
                    + " are accepted");
        }
        if (msg instanceof BulkStringHeaderRedisMessage h) {
            bytes += h.bulkStringLength();
            if (bytes > limits.maxRequestBytes()) {
                refuse(msg, "a bulk string of " + h.bulkStringLength() + " bytes makes the command larger than "
                        + limits.maxRequestBytes() + " bytes");
            }
        }
        ctx.fireChannelRead(msg);
    }

    private void refuse(Object msg, String why) throws TooLongFrameException {
        failed = true;
        ReferenceCountUtil.release(msg);
        throw new TooLongFrameException(why);
    }

    /** A whole command reached the handler: the next one starts counting from zero. */
    void commandDone() {
        bytes = 0;
    }
}
