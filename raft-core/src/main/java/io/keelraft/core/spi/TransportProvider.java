package io.keelraft.core.spi;

import java.time.Duration;
import java.util.Map;

/**
 * Creates the network transport for a server given the members' addresses. Found with
 * {@link java.util.ServiceLoader}: adding {@code raft-transport-netty} to the classpath is what lets
 * {@code RaftNode} talk to peers given only their host:port.
 */
public interface TransportProvider {

    /**
     * @param clusterId the cluster's id, or null while this server does not know it yet (see
     *                  {@link Transport#clusterIdentified}); once known, connections from other clusters are refused
     * @param selfId    this server's id (a key of {@code members})
     * @param members   every server's id to host:port
     */
    Transport create(String clusterId, String selfId, Map<String, String> members);

    /**
     * The same, told the node's election timeout, so that the transport can notice a dead connection (one on
     * which nothing arrives, as in a blackhole partition) and replace it within about that long: a connection
     * that stays dead for longer than an election timeout after the network heals delays recovery past it. The
     * default ignores the timeout.
     *
     * @param electionTimeout the node's (minimum) election timeout, {@code RaftOptions.electionTimeout()}
     */
    default Transport create(String clusterId, String selfId, Map<String, String> members,
                             Duration electionTimeout) {
        return create(clusterId, selfId, members);
    }

    /**
     * The same, listening on {@code listenAddress} (host:port) instead of this server's member address, which the
     * others still use to reach it: for a server behind NAT or in a container, which binds one address (say
     * {@code 0.0.0.0:7101}) and is reached at another. The default supports only {@code null} (the member address).
     *
     * @throws IllegalArgumentException when this transport cannot listen elsewhere, or the address is not host:port
     */
    default Transport create(String clusterId, String selfId, Map<String, String> members,
                             Duration electionTimeout, String listenAddress) {
        if (listenAddress != null) {
            throw new IllegalArgumentException(getClass().getName() + " listens only on the server's member address; "
                    + "it cannot listen on " + listenAddress);
        }
        return create(clusterId, selfId, members, electionTimeout);
    }
}
