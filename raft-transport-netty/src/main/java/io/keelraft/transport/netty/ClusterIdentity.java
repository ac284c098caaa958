package io.keelraft.transport.netty;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * The cluster id this server presents and checks at every handshake. Unknown (null) on a server whose cluster
 * has not told it yet: a brand-new cluster before its first leader has written the generated id into the log, or
 * a server waiting to be added. Such a server presents no id (an empty string on the wire) and adopts the id of
 * the first peer that presents one; a server that knows its id refuses every peer presenting another, so a
 * server started on another cluster's data directory — which records that cluster's id — is refused by all.
 *
 * <p>Thread-safe: read and adopted on Netty event loops, set by the runtime once the log names the id.
 */
final class ClusterIdentity {

    private final AtomicReference<String> id;
    private volatile BiConsumer<String, String> onLearned = (clusterId, from) -> { };

    ClusterIdentity(String known) {
        this.id = new AtomicReference<>(known == null || known.isEmpty() ? null : known);
    }

    /** Who to tell (cluster id, peer id) when a handshake taught us the id; set before the first connection. */
    void onLearned(BiConsumer<String, String> listener) {
        this.onLearned = Objects.requireNonNull(listener, "listener");
    }

    /** What to present in our handshake: the id, or "" while unknown. */
    String presented() {
        String known = id.get();
        return known == null ? "" : known;
    }

    /** The id, or null while unknown. */
    String get() {
        return id.get();
    }

    /**
     * The runtime learned the id from the log (or had it recorded): adopt it. Returns the id in force afterwards,
     * which differs from {@code clusterId} only when another id was adopted first.
     */
    String set(String clusterId) {
        Objects.requireNonNull(clusterId, "clusterId");
        return id.compareAndSet(null, clusterId) ? clusterId : id.get();
    }

    /**
     * Checks a peer's handshake: null when it may talk to us, otherwise why not. A peer presenting an id while
     * ours is unknown teaches it to us.
     */
    String refusal(String peerClusterId, String peerId) {
        if (peerClusterId == null || peerClusterId.isEmpty()) {
            // A server whose cluster has not told it its id yet (new, or waiting to be added): its log is empty
            // or of this cluster, and the first leader's entries will tell it ours.
            return null;
        }
        String ours = id.get();
        if (ours == null) {
            if (id.compareAndSet(null, peerClusterId)) {
                onLearned.accept(peerClusterId, peerId);
                return null;
            }
            ours = id.get();
        }
        return ours.equals(peerClusterId) ? null
                : "cluster id '" + peerClusterId + "' is not ours ('" + ours + "'): a server of another cluster, "
                        + "or one started on another cluster's data directory";
    }
}
