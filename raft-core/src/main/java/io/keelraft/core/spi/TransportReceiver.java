package io.keelraft.core.spi;

import io.keelraft.core.protocol.Message;
import java.util.concurrent.CompletableFuture;

/** Where a {@link Transport} delivers inbound traffic. Called on transport threads: must not block. */
public interface TransportReceiver {

    /** A Raft message from a peer. */
    void onMessage(Message message);

    /** A request a peer forwarded to this server; the transport sends the future's result back. */
    CompletableFuture<ForwardResponse> onForward(String from, ForwardRequest request);
}
