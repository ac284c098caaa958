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

    /**
     * Requests of remote clients, in the order they arrived (one connection's requests stay in order), handed over
     * together so that the runtime takes them in one step; each call is answered through {@link ClientCall#reply}.
     */
    default void onClientRequests(java.util.List<? extends ClientCall> calls) {
        for (ClientCall c : calls) {
            c.reply(new ForwardResponse.Failed(ForwardResponse.Reason.INTERNAL, null,
                    "this server does not serve remote clients", true));
        }
    }
}
