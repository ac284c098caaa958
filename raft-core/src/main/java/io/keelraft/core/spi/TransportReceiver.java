package io.keelraft.core.spi;

import io.keelraft.core.protocol.Message;
import java.util.concurrent.CompletableFuture;

/** Where a {@link Transport} delivers inbound traffic. Called on transport threads: must not block. */
public interface TransportReceiver {

    /** A Raft message from a peer. */
    void onMessage(Message message);

    /** A request a peer forwarded to this server; the transport sends the future's result back. */
    CompletableFuture<ForwardResponse> onForward(String from, ForwardRequest request);

    /**
     * A peer's handshake taught this server the cluster id it did not know yet (a new server, or one waiting to be
     * added): the runtime records it in the data directory.
     */
    default void clusterIdLearned(String clusterId, String fromPeer) {
    }
}
