package io.keelraft.testkit;

import io.keelraft.core.protocol.Message;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.spi.Transport;
import io.keelraft.core.TransportException;
import io.keelraft.core.spi.TransportReceiver;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@link Transport}s for real runtimes over the simulated network: Raft messages may be delayed, reordered,
 * duplicated or lost; forwarded requests and their responses may be delayed or lost (never duplicated, as over
 * one connection), and an unanswered request fails after a timeout. Traffic to a crashed server is lost.
 */
final class SimTransports {

    private final SimNetwork network;
    private final long forwardTimeoutMillis;
    /** The live incarnation of each server that has started its transport. */
    private final Map<String, TransportReceiver> receivers = new HashMap<>();
    /** Snapshot chunks answered with a later offset than the chunk's end: transfers resumed by the follower. */
    private long snapshotResumes;

    SimTransports(SimNetwork network, long forwardTimeoutMillis) {
        this.network = network;
        this.forwardTimeoutMillis = forwardTimeoutMillis;
    }

    /** The transport of one incarnation of server {@code id}; it falls silent when {@code scheduler} closes. */
    Transport transport(String id, VirtualScheduler scheduler) {
        return new Transport() {
            private TransportReceiver receiver;

            @Override
            public void start(TransportReceiver r) {
                receiver = r;
                receivers.put(id, r);
            }

            @Override
            public void send(Message message) {
                if (!scheduler.closed()) {
                    network.carry(id, message.to(), message, true, () -> {
                        TransportReceiver to = receivers.get(message.to());
                        if (to != null) {
                            to.onMessage(message);
                        }
                    });
                }
            }

            @Override
            public void membersChanged(Map<String, String> addresses) {
                // The simulated network reaches servers by id; partitions and loss come from the nemesis.
            }

            @Override
            public CompletableFuture<ForwardResponse> forward(String peer, ForwardRequest request) {
                CompletableFuture<ForwardResponse> answer = new CompletableFuture<>();
                if (scheduler.closed()) {
                    return answer;
                }
                network.carry(id, peer, request, false, () -> {
                    TransportReceiver to = receivers.get(peer);
                    if (to != null) {
                        to.onForward(id, request).whenComplete((response, e) -> {
                            if (e == null) {
                                if (request instanceof ForwardRequest.InstallSnapshotChunk c
                                        && response instanceof ForwardResponse.SnapshotChunkAccepted a
                                        && a.nextOffset() > c.offset() + c.data().length) {
                                    snapshotResumes++;
                                }
                                network.carry(peer, id, response, false, () -> answer.complete(response));
                            }
                        });
                    }
                });
                scheduler.schedule(Runnable::run, () -> answer.completeExceptionally(new TransportException(
                        peer + " did not answer a forwarded request within " + forwardTimeoutMillis + " ms")),
                        forwardTimeoutMillis * 1_000_000L);
                return answer;
            }

            @Override
            public void close() {
                receivers.remove(id, receiver);
            }
        };
    }

    /** Snapshot transfers a follower resumed past what the leader sent (see {@code SnapshotReceiver}). */
    long snapshotResumes() {
        return snapshotResumes;
    }

    /** Server {@code id} crashed: nothing reaches it until its next incarnation starts. */
    void crashed(String id) {
        receivers.remove(id);
    }
}
