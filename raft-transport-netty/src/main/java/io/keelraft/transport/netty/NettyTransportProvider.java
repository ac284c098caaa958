package io.keelraft.transport.netty;

import io.keelraft.core.spi.TransportProvider;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The {@link TransportProvider} that {@code RaftNode} finds with {@link java.util.ServiceLoader} when
 * raft-transport-netty is on the classpath (registered in
 * {@code META-INF/services/io.keelraft.core.spi.TransportProvider}): a node built with
 * {@code RaftNode.builder().members(id -> host:port)} and no explicit transport talks to its peers through a
 * {@link NettyTransport}.
 *
 * <p>The transport listens on this server's own member address — binding that host, so outbound connections
 * leave from it too — and dials every other member, with the {@link NettyTransportOptions} defaults: plaintext,
 * 16 MiB frames. For mutual TLS, another listen address (e.g. {@code 0.0.0.0} behind NAT) or other settings,
 * build a {@link NettyTransport} from {@link #options} and pass it to {@code RaftNode.Builder.transport(...)}.
 */
public final class NettyTransportProvider implements TransportProvider {

    /** For {@link java.util.ServiceLoader}. */
    public NettyTransportProvider() {
    }

    /**
     * @throws IllegalArgumentException when {@code selfId} is not a member or an address is not {@code host:port}
     */
    @Override
    public NettyTransport create(String clusterId, String selfId, Map<String, String> members) {
        return new NettyTransport(options(clusterId, selfId, members).build());
    }

    /**
     * {@inheritDoc} The liveness timeout ({@link NettyTransportOptions#livenessTimeout()}) is the election timeout:
     * a connection that carries nothing back for that long is closed and redialled.
     */
    @Override
    public NettyTransport create(String clusterId, String selfId, Map<String, String> members,
                                 Duration electionTimeout) {
        return new NettyTransport(options(clusterId, selfId, members).livenessTimeout(electionTimeout).build());
    }

    /**
     * {@inheritDoc} Outbound connections then leave from {@code listenAddress}'s host too ({@code 0.0.0.0}: any).
     */
    @Override
    public NettyTransport create(String clusterId, String selfId, Map<String, String> members,
                                 Duration electionTimeout, String listenAddress) {
        NettyTransportOptions.Builder b = options(clusterId, selfId, members).livenessTimeout(electionTimeout);
        if (listenAddress != null) {
            b.listen(listenAddress);
        }
        return new NettyTransport(b.build());
    }

    /**
     * The options {@link #create} uses, to adjust before building: listen on {@code members.get(selfId)}, every
     * other member a peer.
     *
     * @throws IllegalArgumentException when {@code selfId} is not a member or an address is not {@code host:port}
     */
    public static NettyTransportOptions.Builder options(String clusterId, String selfId, Map<String, String> members) {
        Objects.requireNonNull(selfId, "selfId");
        Objects.requireNonNull(members, "members");
        String own = members.get(selfId);
        if (own == null) {
            throw new IllegalArgumentException(selfId + " is not one of the members " + members.keySet());
        }
        NettyTransportOptions.Builder b = NettyTransportOptions.builder(selfId, clusterId).listen(own);
        members.forEach((id, address) -> {
            if (!id.equals(selfId)) {
                b.peer(id, address);
            }
        });
        return b;
    }
}
