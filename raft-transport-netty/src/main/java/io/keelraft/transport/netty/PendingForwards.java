package io.keelraft.transport.netty;

import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.TransportException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The forwarded requests one outbound connection is waiting on, by correlation id. Each ends exactly once: with
 * the peer's answer, at its timeout, or when the connection closes (answers never cross connections).
 */
final class PendingForwards {

    private final Map<Long, CompletableFuture<ForwardResponse>> waiting = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong();

    /** Registers {@code answer} and returns the correlation id to send with its request. */
    long register(CompletableFuture<ForwardResponse> answer) {
        long id = nextId.incrementAndGet();
        waiting.put(id, answer);
        return id;
    }

    /** The peer answered; an answer to no request still waiting (it timed out) is ignored. */
    void complete(long correlationId, ForwardResponse response) {
        CompletableFuture<ForwardResponse> answer = waiting.remove(correlationId);
        if (answer != null) {
            answer.complete(response);
        }
    }

    /** Ends one request without an answer; returns false when it had already ended. */
    boolean fail(long correlationId, TransportException cause) {
        CompletableFuture<ForwardResponse> answer = take(correlationId);
        return answer != null && answer.completeExceptionally(cause);
    }

    /** Removes a request that is still waiting and returns its future, for the caller to end; else null. */
    CompletableFuture<ForwardResponse> take(long correlationId) {
        return waiting.remove(correlationId);
    }

    /**
     * Ends every request still waiting: the connection is gone, and with it any answer. {@code cause} should say
     * the requests may have been sent ({@link TransportException#mayHaveBeenSent()}): they were written, and the
     * peer may have acted on them before the connection closed.
     */
    void failAll(TransportException cause) {
        for (Long id : waiting.keySet()) {
            fail(id, cause);
        }
    }
}
