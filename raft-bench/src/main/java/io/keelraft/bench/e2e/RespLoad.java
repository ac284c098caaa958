package io.keelraft.bench.e2e;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.RedisArrayAggregator;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import io.netty.handler.codec.redis.RedisEncoder;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.SynchronizedHistogram;

/**
 * The closed-loop client of peer-bench's workload (§3–§5) over the KV example's Redis protocol: exactly C
 * requests in flight, one per connection (each connection is one client session on the server), each
 * completion issuing the next at once (after a failure, after 10 ms). A request is {@code SET key value} with a
 * 16-byte key {@code key-%012d} drawn uniformly from [0, 100000) and 100 fresh random bytes. Requests issued in
 * the measurement window that succeed before it ends are counted with their latency (microseconds, 3
 * significant digits); those that fail or take over 10 s count as errors.
 */
final class RespLoad extends WindowedLoad {

    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final EventLoopGroup group;
    private final String host;
    private final int port;
    private final List<Connection> connections = new ArrayList<>();
    private volatile boolean stopped;
    /** Notified whenever a connection stops having a request in flight, for {@link #stopAndDrain()}. */
    private final Object idle = new Object();

    RespLoad(String address) {
        int colon = address.lastIndexOf(':');
        this.host = address.substring(0, colon);
        this.port = Integer.parseInt(address.substring(colon + 1));
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("keel-bench-client"),
                NioIoHandler.newFactory());
    }

    /** Sends one SET and waits for its answer: true when it succeeded within 10 s. */
    boolean probe() throws Exception {
        CompletableFuture<RedisMessage> reply = new CompletableFuture<>();
        Channel ch = connect(new SimpleChannelInboundHandler<RedisMessage>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, RedisMessage msg) {
                reply.complete(msg);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                reply.completeExceptionally(cause);
            }
        });
        try {
            ch.writeAndFlush(setCommand());
            RedisMessage m = reply.get(10, TimeUnit.SECONDS);
            return !(m instanceof ErrorRedisMessage);
        } catch (Exception e) {
            return false;
        } finally {
            ch.close();
        }
    }

    /** Opens {@code concurrency} connections and starts the closed loop. */
    @Override
    public void start(int concurrency) {
        for (int i = 0; i < concurrency; i++) {
            Connection c = new Connection();
            connections.add(c);
            c.open();
        }
        group.scheduleAtFixedRate(this::expireTimeouts, 100, 100, TimeUnit.MILLISECONDS);
    }

    /** Stops issuing; waits (at most 10 s) for what is in flight. */
    @Override
    public void stopAndDrain() throws InterruptedException {
        stopped = true;
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        synchronized (idle) {
            long left;
            while ((left = deadline - System.nanoTime()) > 0 && connections.stream().anyMatch(c -> c.issuedAt != 0)) {
                TimeUnit.NANOSECONDS.timedWait(idle, left);
            }
        }
    }


    private void nothingInFlight(Connection c) {
        c.issuedAt = 0;
        synchronized (idle) {
            idle.notifyAll();
        }
    }

    private void expireTimeouts() {
        long now = System.nanoTime();
        for (Connection c : connections) {
            long issued = c.issuedAt;
            if (issued != 0 && now - issued > TIMEOUT_NANOS) {
                failed(issued);
                c.reopen();
            }
        }
    }

    private Channel connect(SimpleChannelInboundHandler<RedisMessage> handler) throws InterruptedException {
        return new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new RedisDecoder(), new RedisBulkStringAggregator(),
                                new RedisArrayAggregator(), new RedisEncoder(), handler);
                    }
                }).connect(host, port).sync().channel();
    }

    private static ArrayRedisMessage setCommand() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        byte[] key = String.format("key-%012d", random.nextInt(100_000)).getBytes(StandardCharsets.US_ASCII);
        byte[] value = new byte[100];
        random.nextBytes(value);
        List<RedisMessage> parts = List.of(bulk("SET".getBytes(StandardCharsets.US_ASCII)), bulk(key), bulk(value));
        return new ArrayRedisMessage(parts);
    }

    private static FullBulkStringRedisMessage bulk(byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        return new FullBulkStringRedisMessage(buf);
    }

    /** One connection with at most one request in flight. */
    private final class Connection extends SimpleChannelInboundHandler<RedisMessage> {
        volatile long issuedAt;
        private Channel channel;

        void open() {
            try {
                channel = connect(this);
                issue();
            } catch (Exception e) {
                throw new IllegalStateException("cannot connect to " + host + ":" + port, e);
            }
        }

        void reopen() {
            nothingInFlight(this);
            if (channel != null) {
                channel.close();
            }
            if (!stopped) {
                group.schedule(this::open, 10, TimeUnit.MILLISECONDS);
            }
        }

        void issue() {
            if (stopped) {
                nothingInFlight(this);
                return;
            }
            issuedAt = System.nanoTime();
            channel.writeAndFlush(setCommand());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, RedisMessage msg) {
            long issued = issuedAt;
            if (issued == 0) {
                return; // answered after it was counted as timed out
            }
            long done = System.nanoTime();
            if (msg instanceof ErrorRedisMessage) {
                failed(issued);
                nothingInFlight(this);
                ctx.executor().schedule(this::issue, 10, TimeUnit.MILLISECONDS);
                return;
            }
            succeeded(issued, done);
            issue();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            long issued = issuedAt;
            if (issued != 0) {
                failed(issued);
            }
            reopen();
        }
    }

    @Override
    public void close() {
        stopped = true;
        connections.forEach(c -> {
            if (c.channel != null) {
                c.channel.close();
            }
        });
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
