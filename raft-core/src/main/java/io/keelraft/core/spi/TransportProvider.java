package io.keelraft.core.spi;

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
}
