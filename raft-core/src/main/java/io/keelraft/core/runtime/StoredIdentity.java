package io.keelraft.core.runtime;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.HardState;
import io.keelraft.core.spi.LogStore;
import io.keelraft.core.spi.MetaStore;
import io.keelraft.core.spi.ServerIdentity;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bootstrap exactly once, and never run on someone else's data (thesis §4.2.1; hashicorp's
 * {@code BootstrapCluster}, which refuses a second bootstrap).
 *
 * <p>The member list a server is started with used to be turned into its configuration on every start that found
 * no configuration entry or snapshot; a restart with a mistyped list (say, only the server itself) then made a
 * one-voter cluster that elected itself and took writes beside the real one. Now the first start of a brand-new
 * directory records the {@link ServerIdentity} — server id, cluster id if known, bootstrap configuration — and
 * every later start uses the recorded configuration: the member list only supplies addresses
 * ({@link #checkAddressBook}).
 */
final class StoredIdentity {

    private static final Logger LOG = LoggerFactory.getLogger(StoredIdentity.class);

    private StoredIdentity() {
    }

    /**
     * The identity of the directory behind {@code meta}, recorded now if this is its first start.
     *
     * @param configuredClusterId the cluster id the operator gave, or null
     * @param candidate           the configuration to bootstrap with if the directory is new (for a server started
     *                            to join: one without members)
     * @param hasSnapshot         whether the snapshot store holds a snapshot
     * @throws IllegalStateException when the directory belongs to another server or another cluster
     */
    static ServerIdentity establish(MetaStore meta, LogStore log, boolean hasSnapshot, String serverId,
                                    String configuredClusterId, ClusterConfiguration candidate) {
        Optional<ServerIdentity> stored = meta.loadIdentity();
        if (stored.isPresent()) {
            ServerIdentity identity = stored.get();
            if (!identity.serverId().equals(serverId)) {
                throw new IllegalStateException("this data directory belongs to server '" + identity.serverId()
                        + "', not to '" + serverId + "': each server needs its own directory; starting on another"
                        + " server's log would make two servers answer as one");
            }
            if (configuredClusterId != null && identity.clusterId() != null
                    && !identity.clusterId().equals(configuredClusterId)) {
                throw new IllegalStateException("server " + serverId + ": this data directory belongs to cluster '"
                        + identity.clusterId() + "', but the configured cluster id is '" + configuredClusterId
                        + "': is it another cluster's directory?");
            }
            if (identity.clusterId() == null && configuredClusterId != null) {
                identity = identity.withClusterId(configuredClusterId);
                meta.saveIdentity(identity);
            }
            return identity;
        }
        boolean brandNew = log.lastIndex() == 0 && log.snapshotIndex() == 0 && !hasSnapshot
                && meta.load().equals(HardState.INITIAL);
        ServerIdentity identity = new ServerIdentity(serverId, configuredClusterId, candidate);
        if (!brandNew) {
            // A directory written before identities were recorded: its configuration was the member list all
            // along, so recording today's list keeps today's behaviour — and freezes it from now on.
            LOG.warn("{}: the data directory records no identity (written by an earlier Keel version); recording "
                    + "server id {}, cluster id {} and the bootstrap configuration {} from this start. Check the "
                    + "member list: from now on it is used only for addresses", serverId, serverId,
                    configuredClusterId == null ? "(to be learned)" : configuredClusterId, candidate);
        } else {
            LOG.info("{}: new data directory; bootstrap configuration {} recorded{}", serverId, candidate,
                    candidate.members().isEmpty() ? " (none: waiting to be added to a cluster)" : "");
        }
        meta.saveIdentity(identity);
        return identity;
    }

    /**
     * Checks the member list a server was started with against the configuration in force: a list may name any
     * subset of the members (it is an address book), but an address that differs from the one the configuration
     * records for that server contradicts it and is refused, naming both. Servers the configuration does not name
     * are ignored with a warning: they join through {@code addServer}, never through a start-up list.
     *
     * @throws IllegalStateException naming the contradiction
     */
    static void checkAddressBook(String selfId, Map<String, String> memberList, ClusterConfiguration inForce) {
        Map<String, String> ignored = new TreeMap<>();
        for (Map.Entry<String, String> e : new TreeMap<>(memberList).entrySet()) {
            String id = e.getKey();
            if (inForce.members().contains(id)) {
                String recorded = inForce.addresses().get(id);
                if (recorded != null && !recorded.equals(e.getValue())) {
                    throw new IllegalStateException("server " + selfId + ": the member list gives " + id + " = "
                            + e.getValue() + ", but the stored configuration " + describe(inForce) + " has " + id
                            + " = " + recorded + ". The member list only bootstraps a new cluster; change a "
                            + "server's address by removing it and adding it back (removeServer, then addLearner or addVoter)");
                }
            } else if (!id.equals(selfId) && !inForce.members().isEmpty()) {
                ignored.put(id, e.getValue());
            }
        }
        if (!ignored.isEmpty()) {
            LOG.warn("{}: ignoring {} from the member list: not in the stored configuration {}. The member list only "
                    + "bootstraps a new cluster; add servers with addVoter or addLearner", selfId, ignored, describe(inForce));
        }
    }

    private static String describe(ClusterConfiguration c) {
        return "(voters " + c.voters() + (c.learners().isEmpty() ? "" : ", learners " + c.learners())
                + (c.addresses().isEmpty() ? "" : ", addresses " + c.addresses()) + ")";
    }
}
