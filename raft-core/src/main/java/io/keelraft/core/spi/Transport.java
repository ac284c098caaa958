package io.keelraft.core.spi;

import io.keelraft.core.protocol.Message;
import java.util.concurrent.CompletableFuture;

/**
 * How a server reaches its peers. Raft messages are fire-and-forget: a transport may drop them (a full
 * queue, a broken connection) and Raft's retries repair the loss. Forwarded requests (a follower passing a
 * client's command or read to the leader) are request/response.
 *
 * <p>No method blocks: a transport queues and returns.
 */
public interface Transport extends AutoCloseable {

    /** Starts listening and connecting; inbound traffic goes to {@code receiver}. */
    void start(TransportReceiver receiver);

    /** Sends {@code message} to {@code message.to()}, or drops it (counted) when that peer is not reachable now. */
    void send(Message message);

    /**
     * Sends {@code request} to {@code peer}; the future completes with the peer's answer, or exceptionally with
     * a {@link TransportException} when the peer cannot be reached or does not answer in time.
     */
    CompletableFuture<ForwardResponse> forward(String peer, ForwardRequest request);

    /** Closes every connection and stops every thread the transport started. */
    @Override
    void close();
}
