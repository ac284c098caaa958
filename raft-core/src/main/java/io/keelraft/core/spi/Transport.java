package io.keelraft.core.spi;

import io.keelraft.core.TransportException;
import io.keelraft.core.protocol.Message;
import java.util.Map;
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
     * a {@link TransportException} when the peer cannot be reached or does not answer in time. That exception must
     * say whether the request may have reached the peer ({@link TransportException#mayHaveBeenSent()}): false only
     * when it never left this process, since a forwarded command then certainly did not take effect.
     */
    CompletableFuture<ForwardResponse> forward(String peer, ForwardRequest request);

    /**
     * The servers this one should be able to reach, and where: called by the runtime, on the raft loop, whenever
     * the member set or the addresses of the configuration in force change (membership changes, thesis §4) —
     * and once at start, just before {@link #start}, with the bootstrap or restored configuration (which may
     * differ from what the transport was created with). Must not block: a network transport dials
     * added servers in the background (with its usual reconnect backoff).
     *
     * <ul>
     *   <li>{@code addresses} maps server id to {@code host:port}. A server not listed is no longer reachable:
     *       its connections are closed and messages to it are dropped. A member whose address is not known yet
     *       is simply absent, and unreachable until a later call names it.</li>
     *   <li>The map names this server itself while it is a member of its configuration (its own address is only
     *       informational: a transport keeps listening where it started). When it does not — a server waiting
     *       to be added, which learns the configuration from the leader's log or snapshot, or one that was
     *       removed — the transport should accept connections from any server of the cluster, since it cannot
     *       know yet who will contact it, and answer a server it has no address for over that server's own
     *       connection if it has one.</li>
     *   <li>In-memory and simulated transports, which address servers by id, may ignore the addresses.</li>
     * </ul>
     *
     * <p>There is deliberately no default implementation: a network transport that ignored this call would keep
     * talking to removed servers and never reach added ones, and membership changes would silently fail to
     * make progress. Every transport must decide what it does.
     */
    void membersChanged(Map<String, String> addresses);

    /**
     * The runtime learned (or always knew) the cluster's id: from now on a network transport presents it at every
     * handshake and refuses peers presenting another (a server of another cluster, or one started on another
     * cluster's data directory). Called on any runtime thread; must not block. Transports that do not cross
     * process boundaries (in-memory, simulated) may ignore it, hence the default.
     */
    default void clusterIdentified(String clusterId) {
    }

    /** Closes every connection and stops every thread the transport started. */
    @Override
    void close();
}
