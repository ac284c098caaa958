package io.keelraft.core.runtime;

import io.keelraft.core.protocol.ClusterConfiguration;
import io.keelraft.core.protocol.ProtocolConfig;
import io.keelraft.core.metrics.RaftMetrics;
import java.util.Map;

/**
 * What {@link RaftLoop} needs besides its collaborators; built by {@code RaftNode} from its options.
 *
 * @param protocol            the pure protocol's configuration (its id is this server's id)
 * @param bootstrap           the initial cluster configuration
 * @param addresses           server id to host:port, for {@code NotLeaderException}'s hint
 * @param tickNanos           the runtime's tick: one heartbeat interval
 * @param requestTimeoutNanos how long submit and query wait
 * @param maxPendingProposals backpressure: pending proposal count
 * @param maxPendingBytes     backpressure: pending proposal bytes
 * @param forwardToLeader     whether followers forward commands and reads to the leader
 * @param sessionTimeoutMillis client session expiry, by log time
 * @param metrics             where to report (never null)
 * @param snapshots           when to snapshot, how much log to keep, how to send snapshots
 */
public record RuntimeSettings(ProtocolConfig protocol, ClusterConfiguration bootstrap, Map<String, String> addresses,
                              long tickNanos, long requestTimeoutNanos, int maxPendingProposals, long maxPendingBytes,
                              boolean forwardToLeader, long sessionTimeoutMillis, RaftMetrics metrics,
                              SnapshotSettings snapshots) {

    public RuntimeSettings {
        addresses = Map.copyOf(addresses);
        metrics = metrics == null ? RaftMetrics.NONE : metrics;
        snapshots = snapshots == null ? SnapshotSettings.DEFAULTS : snapshots;
    }

    public String id() {
        return protocol.id();
    }
}
