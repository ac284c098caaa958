package io.keelraft.core.runtime;

import io.keelraft.core.spi.MetaStore;
import io.keelraft.core.spi.ServerIdentity;
import io.keelraft.core.StorageException;
import io.keelraft.core.spi.Transport;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster id, as far as this server knows it. A brand-new cluster's first leader writes an id into the first
 * log entry ({@code RaftProtocol.identifyNewCluster}); every server applying that entry learns it, and a server
 * that gets a snapshot instead learns it from the leader's handshake. Once learned, the id is recorded in the
 * data directory and handed to the transport, which refuses peers of other clusters from then on.
 *
 * <p>Thread-safe: called from the apply thread (the first entry) and transport threads (handshakes).
 */
final class ClusterIdTracker {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterIdTracker.class);

    private final MetaStore meta;
    private final Executor writer;
    private final Transport transport;
    private final BiConsumer<String, Throwable> fatal;
    private final AtomicReference<ServerIdentity> identity;

    /**
     * @param writer     where the identity is saved: the log writer, which also saves term and vote
     * @param fatal      told when the log names another cluster than the one recorded: this server's data is not
     *                   this cluster's, and it must stop rather than serve it
     */
    ClusterIdTracker(ServerIdentity identity, MetaStore meta, Executor writer, Transport transport,
                     BiConsumer<String, Throwable> fatal) {
        this.identity = new AtomicReference<>(identity);
        this.meta = meta;
        this.writer = writer;
        this.transport = transport;
        this.fatal = fatal;
        if (identity.clusterId() != null) {
            transport.clusterIdentified(identity.clusterId());
        }
    }

    /** The cluster id, or null while unknown. */
    String clusterId() {
        return identity.get().clusterId();
    }

    /** The log's first entry names {@code clusterId}: it is the truth, and anything else is a fatal conflict. */
    void committed(String clusterId) {
        String known = learn(clusterId, "the log's first entry");
        if (!known.equals(clusterId)) {
            fatal.accept("this server's data belongs to cluster '" + known + "', but the committed first entry of "
                    + "the log names cluster '" + clusterId + "': the data directory or the configured cluster id "
                    + "belongs to another cluster", null);
        }
    }

    /** A peer's handshake taught the transport the id. */
    void learnedFromPeer(String clusterId, String peer) {
        learn(clusterId, "server " + peer);
    }

    /** Adopts {@code clusterId} unless an id is known; returns the id in force. */
    private String learn(String clusterId, String source) {
        while (true) {
            ServerIdentity current = identity.get();
            if (current.clusterId() != null) {
                return current.clusterId();
            }
            ServerIdentity updated = current.withClusterId(clusterId);
            if (identity.compareAndSet(current, updated)) {
                LOG.info("{}: cluster id is {} (from {})", current.serverId(), clusterId, source);
                transport.clusterIdentified(clusterId);
                writer.execute(() -> save(updated));
                return clusterId;
            }
        }
    }

    private void save(ServerIdentity updated) {
        try {
            meta.saveIdentity(updated);
        } catch (StorageException e) {
            // Not fatal: the id is learned again at the next start, from the log or a peer.
            LOG.warn("{}: could not record cluster id {}: {}", updated.serverId(), updated.clusterId(), e.toString());
        }
    }
}
