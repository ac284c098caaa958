package io.keelraft.examples.kv;

import io.keelraft.core.ClientSession;
import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftException;
import io.keelraft.core.SessionExpiredException;
import io.keelraft.core.util.RateLimitedLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.InlineCommandRedisMessage;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection. Commands are answered in the order they arrived, as Redis does, and one step runs at a
 * time: the pipelined writes waiting at the head of the queue go to the log as one entry, in the connection's
 * {@link ClientSession} (exactly once even when retried inside the server after a leader change); pipelined
 * reads go out as one linearizable query; local commands are answered here. A step's reply is written from its
 * future on this connection's event loop, which never waits for anything.
 */
final class RespConnection extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(RespConnection.class);
    /** Whoever connects decides how often a connection fails: one line per ten seconds. */
    private static final RateLimitedLog DROPPED = new RateLimitedLog(LOG, java.time.Duration.ofSeconds(10));

    /** Past this many parsed commands waiting, stop reading from the socket until they are answered. */
    private static final int MAX_QUEUED = 4096;
    private static final int RESUME_QUEUED = 1024;
    /** The most commands in one log entry or query. */
    private static final int MAX_BATCH = 1024;
    /** Retrying reads through an election: about 3 s in all. (Opening a session retries inside RaftNode.) */
    private static final int RETRIES = 8;

    private final RaftNode node;
    private final CommandParser parser;
    private final LocalCommands local;
    private final RequestLimits requestLimits;
    private final KvLimits limits;
    private final LocalCommands.Client client;
    private final ArrayDeque<Request> queue = new ArrayDeque<>();

    private ChannelHandlerContext ctx;
    private boolean busy;
    private boolean closing;
    private boolean unflushed;
    /** This connection's client session, opened with its first write. Touched only on the event loop. */
    private CompletableFuture<ClientSession> session;

    RespConnection(RaftNode node, CommandParser parser, LocalCommands local, RequestLimits requestLimits,
                   KvLimits limits, long clientId) {
        this.node = node;
        this.parser = parser;
        this.local = local;
        this.requestLimits = requestLimits;
        this.limits = limits;
        this.client = new LocalCommands.Client(clientId);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Request request;
        try {
            requestLimits.commandDone();
            request = toRequest(msg);
        } finally {
            ReferenceCountUtil.release(msg);
        }
        if (request == null || closing) {
            return;
        }
        queue.add(request);
        if (queue.size() >= MAX_QUEUED) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        pump();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // A command not yet handed to Raft is dropped whole; one handed over is one log entry, applied whole.
        closing = true;
        queue.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (closing) {
            return;
        }
        closing = true;
        queue.clear();
        if (cause instanceof DecoderException || cause instanceof TooLongFrameException) {
            Throwable why = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
            LOG.debug("{}: protocol error, closing: {}", ctx.channel().remoteAddress(), why.toString());
            ctx.writeAndFlush(toMessage(Reply.error("ERR Protocol error: " + why.getMessage())))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            if (cause instanceof io.netty.handler.codec.PrematureChannelClosureException) {
                // The client went away in the middle of a command: its business, no stack trace (issue 16).
                DROPPED.warnAbout("dropped", null, "{}: the client closed the connection in the middle of a command",
                        ctx.channel().remoteAddress());
            } else if (!(cause instanceof IOException)) {
                DROPPED.warnAbout("dropped", cause, "{}: closing the connection", ctx.channel().remoteAddress());
            }
            ctx.close();
        }
    }

    /** The request for one decoded RESP message, or null for an empty one (ignored, as Redis does). */
    private Request toRequest(Object msg) {
        byte[][] argv;
        if (msg instanceof ArrayRedisMessage array) {
            if (array.isNull() || array.children().isEmpty()) {
                return null;
            }
            argv = new byte[array.children().size()][];
            for (int i = 0; i < argv.length; i++) {
                RedisMessage child = array.children().get(i);
                if (!(child instanceof FullBulkStringRedisMessage bulk) || bulk.isNull()) {
                    return new Request.Immediate(Reply.error("ERR Protocol error: a command is an array of bulk strings"));
                }
                argv[i] = ByteBufUtil.getBytes(bulk.content());
            }
        } else if (msg instanceof InlineCommandRedisMessage inline) {
            String line = inline.content().trim();
            if (line.isEmpty()) {
                return null;
            }
            String[] words = line.split("\\s+");
            argv = new byte[words.length][];
            for (int i = 0; i < words.length; i++) {
                argv[i] = words[i].getBytes(StandardCharsets.UTF_8);
            }
        } else {
            return new Request.Immediate(Reply.error("ERR Protocol error: a command is an array of bulk strings"));
        }
        return parser.parse(argv);
    }

    /** Answers what can be answered now and starts the next step; called on the event loop only. */
    private void pump() {
        while (!busy && !closing && !queue.isEmpty()) {
            Request head = queue.peek();
            if (head instanceof Request.Immediate immediate) {
                queue.poll();
                write(immediate.reply());
            } else if (head instanceof Request.Local command) {
                queue.poll();
                if (command.name().equals("QUIT")) {
                    closing = true;
                    queue.clear();
                    ctx.writeAndFlush(toMessage(Reply.OK)).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                CompletableFuture<Reply> answer = local.answer(command, client);
                if (answer.isDone() && !answer.isCompletedExceptionally()) {
                    write(answer.join());
                } else {
                    busy = true;
                    // RAFT.ADD, REMOVE, TRANSFER, SNAPSHOT change state: answered like writes (UNKNOWN when unsure).
                    answer.whenComplete((reply, e) -> onLoop(() -> finish(List.of(reply == null
                            ? ErrorReplies.ofWrite(e) : reply), 1)));
                }
            } else if (head instanceof Request.Write) {
                List<KvOp> batch = takeBatch(Request.Write.class);
                busy = true;
                byte[] command = KvCodec.encodeOps(batch);
                submit(command, false).whenComplete((result, e) -> onLoop(() -> finished(result, e, batch.size(),
                        true)));
            } else {
                List<KvOp> batch = takeBatch(Request.Read.class);
                busy = true;
                byte[] query = KvCodec.encodeOps(batch);
                retrying(() -> node.query(query), RETRIES)
                        .whenComplete((result, e) -> onLoop(() -> finished(result, e, batch.size(), false)));
            }
        }
        if (unflushed) {
            unflushed = false;
            ctx.flush();
        }
        if (!busy && queue.size() <= RESUME_QUEUED && !ctx.channel().config().isAutoRead() && !closing) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** The run of requests of one kind at the head of the queue, within the batch limits. */
    private List<KvOp> takeBatch(Class<? extends Request> kind) {
        List<KvOp> batch = new ArrayList<>();
        int bytes = 0;
        while (!queue.isEmpty() && kind.isInstance(queue.peek()) && batch.size() < MAX_BATCH) {
            KvOp op = queue.peek() instanceof Request.Write w ? w.op() : ((Request.Read) queue.peek()).op();
            if (!batch.isEmpty() && bytes + op.encodedSize() > limits.maxBatchBytes()) {
                break;
            }
            queue.poll();
            batch.add(op);
            bytes += op.encodedSize();
        }
        return batch;
    }

    /** Submits a write batch in this connection's session; once more in a new session if it had expired. */
    private CompletableFuture<byte[]> submit(byte[] command, boolean again) {
        if (session == null || session.isCompletedExceptionally()) {
            // RaftNode retries opening through an election, for at most its request timeout.
            session = node.openSession();
        }
        CompletableFuture<ClientSession> current = session;
        CompletableFuture<byte[]> out = new CompletableFuture<>();
        // A session that could not be opened means the command was never submitted: certainly not applied.
        CompletableFuture<byte[]> submitted = current.handle((s, notOpened) -> notOpened != null
                ? CompletableFuture.<byte[]>failedFuture(new CommandNotSentException(notOpened))
                : s.submit(command)).thenCompose(f -> f);
        submitted.whenComplete((result, e) -> {
            if (e == null) {
                out.complete(result);
            } else if (!again && ErrorReplies.unwrap(e) instanceof SessionExpiredException
                    && !RaftException.failureMayHaveTakenEffect(e)) {
                // The session expired while the connection was idle: the command did not take effect, so it
                // is safe to send it once more in a new session.
                onLoop(() -> {
                    if (session == current) {
                        session = null;
                    }
                    submit(command, true).whenComplete((r, e2) -> {
                        if (e2 == null) {
                            out.complete(r);
                        } else {
                            out.completeExceptionally(e2);
                        }
                    });
                });
            } else {
                out.completeExceptionally(e);
            }
        });
        return out;
    }

    /** Calls {@code call} again after a growing pause while it fails in a way that is safe to retry. */
    private <T> CompletableFuture<T> retrying(Supplier<CompletableFuture<T>> call, int attemptsLeft) {
        CompletableFuture<T> out = new CompletableFuture<>();
        attempt(call, attemptsLeft, 50, out);
        return out;
    }

    private <T> void attempt(Supplier<CompletableFuture<T>> call, int attemptsLeft, long pauseMillis,
                             CompletableFuture<T> out) {
        CompletableFuture<T> f;
        try {
            f = call.get();
        } catch (RuntimeException e) {
            out.completeExceptionally(e);
            return;
        }
        f.whenComplete((result, e) -> {
            if (e == null) {
                out.complete(result);
            } else if (attemptsLeft > 1 && ErrorReplies.retryable(e) && ctx.channel().isActive()) {
                try {
                    ctx.executor().schedule(() -> attempt(call, attemptsLeft - 1, Math.min(pauseMillis * 2, 800), out),
                            pauseMillis, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException closed) {
                    out.completeExceptionally(e);
                }
            } else {
                out.completeExceptionally(e);
            }
        });
    }

    private void finished(byte[] result, Throwable failure, int count, boolean writes) {
        List<Reply> replies;
        if (failure != null) {
            replies = null;
        } else {
            try {
                replies = KvCodec.decodeReplies(result);
            } catch (IllegalArgumentException e) {
                // Not Keel's failure: a write was applied, so this must not read as "not applied".
                failure = writes ? new IllegalStateException("the command was applied but its reply could not be "
                        + "read: " + e.getMessage(), e) : e;
                replies = null;
            }
        }
        if (replies == null || replies.size() != count) {
            Reply error = failure != null ? (writes ? ErrorReplies.ofWrite(failure) : ErrorReplies.ofRead(failure))
                    : Reply.error("ERR internal error: " + replies.size() + " replies to " + count + " commands");
            replies = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                replies.add(error);
            }
        }
        finish(replies, count);
    }

    private void finish(List<Reply> replies, int count) {
        busy = false;
        if (!ctx.channel().isActive()) {
            return;
        }
        replies.forEach(this::write);
        pump();
    }

    private void write(Reply reply) {
        ctx.write(toMessage(reply), ctx.voidPromise());
        unflushed = true;
    }

    /** Runs {@code task} on this connection's event loop (futures complete on Keel's threads). */
    private void onLoop(Runnable task) {
        try {
            ctx.executor().execute(task);
        } catch (RejectedExecutionException e) {
            // The server is shutting down; the connection goes with it.
        }
    }

    static RedisMessage toMessage(Reply reply) {
        if (reply instanceof Reply.Simple s) {
            return new SimpleStringRedisMessage(oneLine(s.text()));
        }
        if (reply instanceof Reply.Nil) {
            return FullBulkStringRedisMessage.NULL_INSTANCE;
        }
        if (reply instanceof Reply.Int i) {
            return new IntegerRedisMessage(i.value());
        }
        if (reply instanceof Reply.Bulk b) {
            ByteBuf content = Unpooled.wrappedBuffer(b.value());
            return new FullBulkStringRedisMessage(content);
        }
        if (reply instanceof Reply.Error e) {
            return new ErrorRedisMessage(oneLine(e.message()));
        }
        List<RedisMessage> items = new ArrayList<>();
        for (Reply item : ((Reply.Multi) reply).items()) {
            items.add(toMessage(item));
        }
        return new ArrayRedisMessage(items);
    }

    /** Simple strings and errors cannot hold a line break. */
    private static String oneLine(String s) {
        return s.indexOf('\r') < 0 && s.indexOf('\n') < 0 ? s : s.replace('\r', ' ').replace('\n', ' ');
    }
}
