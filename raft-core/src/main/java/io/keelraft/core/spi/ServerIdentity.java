package io.keelraft.core.spi;

import io.keelraft.core.ClusterConfiguration;
import java.util.Objects;

/**
 * Who a data directory belongs to, recorded on its first start and checked on every later one: a server must
 * never run on another server's or another cluster's log, since Raft's log matching (thesis §3.5) compares
 * only indexes and terms and would silently accept a foreign log whose terms happen to line up.
 *
 * @param serverId  the server that created the directory
 * @param clusterId the cluster's id, or null until this server learns it (a new cluster's first leader writes
 *                  a generated id into the first log entry; servers that join learn it from the leader)
 * @param bootstrap the configuration the cluster was bootstrapped with, recorded exactly once (thesis §4.2.1:
 *                  a cluster is bootstrapped once; later configurations come from the log and snapshots, never
 *                  from a start-up member list). A server started to join has a configuration without members.
 */
public record ServerIdentity(String serverId, String clusterId, ClusterConfiguration bootstrap) {

    public ServerIdentity {
        Objects.requireNonNull(serverId, "serverId");
        Objects.requireNonNull(bootstrap, "bootstrap");
        if (clusterId != null && clusterId.isBlank()) {
            throw new IllegalArgumentException("clusterId must be null or non-blank");
        }
    }

    /** This identity with {@code clusterId} learned. */
    public ServerIdentity withClusterId(String clusterId) {
        return new ServerIdentity(serverId, clusterId, bootstrap);
    }
}
