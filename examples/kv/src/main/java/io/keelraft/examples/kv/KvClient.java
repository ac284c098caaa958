package io.keelraft.examples.kv;

import io.keelraft.client.RaftClient;
import io.keelraft.core.RaftException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A typed client of the key-value example that talks to the servers' <em>Raft ports</em> through Keel's own client
 * ({@link RaftClient}) instead of RESP: every write is replicated exactly once, in the order it was called, as its
 * own log entry, and reads are linearizable.
 *
 * <pre>{@code
 * try (KvClient kv = KvClient.connect(Map.of("n1", "10.0.0.1:7101", "n2", "10.0.0.2:7102", "n3", "10.0.0.3:7103"))) {
 *     kv.setAndWait("greeting", "hello".getBytes(StandardCharsets.UTF_8));
 *     byte[] value = kv.getAndWait("greeting");
 * }
 * }</pre>
 *
 * <p>The commands are those of {@link KvStateMachine}, which the RESP server submits too, so the two kinds of
 * clients see one map. String keys are sent as their UTF-8 bytes (as {@code redis-cli} sends them).
 *
 * <p><b>Failures.</b> The futures fail with the {@link RaftClient}'s {@link RaftException}s (a timeout, a closed
 * client; {@link RaftException#mayHaveTakenEffect()} says whether a write may still apply), or with a
 * {@link KvCommandException} when the state machine answered with an error. The blocking {@code ...AndWait} methods
 * throw those exceptions themselves. Futures complete on the {@link RaftClient}'s callback executor (by default its
 * I/O thread: do not block in a callback then).
 *
 * <p>Thread-safe.
 */
public final class KvClient implements AutoCloseable {

    private final RaftClient client;
    private final boolean ownsClient;

    private KvClient(RaftClient client, boolean ownsClient) {
        this.client = Objects.requireNonNull(client, "client");
        this.ownsClient = ownsClient;
    }

    /**
     * A client of the servers {@code members} names (server id to the {@code host:port} of its Raft port, as the
     * servers' {@code --members} lists them), with {@link RaftClient}'s default settings; {@link #close()} closes
     * the connections. Any subset of the servers will do: the client follows the leader.
     */
    public static KvClient connect(Map<String, String> members) {
        return new KvClient(RaftClient.builder().servers(members).build(), true);
    }

    /** A client of the servers at {@code raftAddresses} ({@code host:port} of their Raft ports); see {@link #connect(Map)}. */
    public static KvClient connect(String... raftAddresses) {
        return new KvClient(RaftClient.builder().servers(raftAddresses).build(), true);
    }

    /**
     * A client sending through {@code client}, built with the settings the caller wants (window, timeout, callback
     * executor). {@link #close()} leaves it open: its owner closes it.
     */
    public static KvClient over(RaftClient client) {
        return new KvClient(client, false);
    }

    // ------------------------------------------------------------ writes

    /** {@code SET key value}: completes once the write is committed and applied. */
    public CompletableFuture<Void> set(String key, byte[] value) {
        return set(bytes(key), value);
    }

    /** {@code SET key value} with the key's raw bytes: completes once the write is committed and applied. */
    public CompletableFuture<Void> set(byte[] key, byte[] value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        return client.submit(KvCodec.encodeOps(List.of(new KvOp(Op.SET, key, value))))
                .thenApply(result -> {
                    expect(Op.SET, single(result), Reply.Simple.class);
                    return null;
                });
    }

    /** {@link #set(String, byte[])}, waiting until it is applied. */
    public void setAndWait(String key, byte[] value) throws InterruptedException {
        await(set(key, value));
    }

    /** {@code DEL key}: completes with true when the key existed (and is now removed), false when it was absent. */
    public CompletableFuture<Boolean> delete(String key) {
        return client.submit(KvCodec.encodeOps(List.of(new KvOp(Op.DEL, bytes(key)))))
                .thenApply(result -> expect(Op.DEL, single(result), Reply.Int.class).value() > 0);
    }

    /** {@link #delete(String)}, waiting for its answer. */
    public boolean deleteAndWait(String key) throws InterruptedException {
        return await(delete(key));
    }

    /**
     * {@code INCRBY key delta}: adds {@code delta} to the key's value read as a signed 64-bit decimal (0 when the key
     * is absent) and completes with the new value. Fails with {@link KvCommandException} when the value is not such
     * a number or the sum would overflow; the value is unchanged then.
     */
    public CompletableFuture<Long> incrBy(String key, long delta) {
        byte[] encodedDelta = ByteBuffer.allocate(Long.BYTES).putLong(delta).array();
        return client.submit(KvCodec.encodeOps(List.of(new KvOp(Op.INCRBY, bytes(key), encodedDelta))))
                .thenApply(result -> expect(Op.INCRBY, single(result), Reply.Int.class).value());
    }

    /** {@link #incrBy(String, long)}, waiting for the new value. */
    public long incrByAndWait(String key, long delta) throws InterruptedException {
        return await(incrBy(key, delta));
    }

    // ------------------------------------------------------------ reads

    /** {@code GET key}, linearizable: completes with the value, or null when the key is absent. */
    public CompletableFuture<byte[]> get(String key) {
        return get(bytes(key));
    }

    /** {@code GET key} with the key's raw bytes, linearizable: the value, or null when the key is absent. */
    public CompletableFuture<byte[]> get(byte[] key) {
        Objects.requireNonNull(key, "key");
        return client.query(KvCodec.encodeOps(List.of(new KvOp(Op.GET, key))))
                .thenApply(result -> {
                    Reply r = single(result);
                    return r instanceof Reply.Nil ? null : expect(Op.GET, r, Reply.Bulk.class).value();
                });
    }

    /** {@link #get(String)}, waiting for the value (null when the key is absent). */
    public byte[] getAndWait(String key) throws InterruptedException {
        return await(get(key));
    }

    /** Closes the connections when this client opened them ({@link #connect}); a client made {@link #over} a
     * {@link RaftClient} leaves it open. Requests not answered yet fail. */
    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }

    // ------------------------------------------------------------ replies

    private static byte[] bytes(String key) {
        return Objects.requireNonNull(key, "key").getBytes(StandardCharsets.UTF_8);
    }

    /** The one reply to a one-command batch; an error reply becomes a {@link KvCommandException}. */
    private static Reply single(byte[] result) {
        List<Reply> replies;
        try {
            replies = KvCodec.decodeReplies(result);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the state machine's reply could not be read: " + e.getMessage(), e);
        }
        if (replies.size() != 1) {
            throw new IllegalStateException(replies.size() + " replies to one command");
        }
        Reply r = replies.get(0);
        if (r instanceof Reply.Error error) {
            throw new KvCommandException(error.message());
        }
        return r;
    }

    private static <R extends Reply> R expect(Op op, Reply reply, Class<R> kind) {
        if (!kind.isInstance(reply)) {
            throw new IllegalStateException("unexpected reply to " + op + ": " + reply);
        }
        return kind.cast(reply);
    }

    private static <T> T await(CompletableFuture<T> f) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new RaftException(String.valueOf(e.getCause()), e.getCause());
        }
    }
}
