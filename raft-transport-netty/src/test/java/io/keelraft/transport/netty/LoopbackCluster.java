package io.keelraft.transport.netty;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Transports for a set of servers on loopback, each startable, stoppable and restartable on its own port. */
final class LoopbackCluster implements AutoCloseable {

    static final String CLUSTER_ID = "keel-test";

    private final Map<String, PeerAddress> addresses = new LinkedHashMap<>();
    private final Map<String, NettyTransport> transports = new LinkedHashMap<>();
    private final Map<String, RecordingReceiver> receivers = new LinkedHashMap<>();
    private final UnaryOperator<NettyTransportOptions.Builder> customize;

    LoopbackCluster(UnaryOperator<NettyTransportOptions.Builder> customize, String... ids) {
        this.customize = customize;
        for (String id : ids) {
            addresses.put(id, FreePorts.loopback());
        }
    }

    LoopbackCluster(String... ids) {
        this(b -> b, ids);
    }

    /** Test defaults: quick reconnects, two I/O threads. */
    NettyTransportOptions.Builder options(String id) {
        NettyTransportOptions.Builder b = NettyTransportOptions.builder(id, CLUSTER_ID)
                .listen(addresses.get(id))
                .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(200))
                .ioThreads(2);
        addresses.forEach((peer, address) -> {
            if (!peer.equals(id)) {
                b.peer(peer, address);
            }
        });
        return customize.apply(b);
    }

    synchronized NettyTransport start(String id) {
        return start(id, options(id).build());
    }

    synchronized NettyTransport start(String id, NettyTransportOptions options) {
        RecordingReceiver receiver = new RecordingReceiver();
        NettyTransport transport = new NettyTransport(options);
        transport.start(receiver);
        transports.put(id, transport);
        receivers.put(id, receiver);
        return transport;
    }

    synchronized LoopbackCluster startAll() {
        addresses.keySet().forEach(this::start);
        return this;
    }

    synchronized void stop(String id) {
        NettyTransport t = transports.remove(id);
        if (t != null) {
            t.close();
        }
    }

    synchronized NettyTransport transport(String id) {
        return transports.get(id);
    }

    synchronized RecordingReceiver receiver(String id) {
        return receivers.get(id);
    }

    PeerAddress address(String id) {
        return addresses.get(id);
    }

    /** True when every running transport has its outbound connection up to every other running one. */
    synchronized boolean fullyConnected() {
        for (NettyTransport t : transports.values()) {
            for (String peer : transports.keySet()) {
                if (t != transports.get(peer) && !t.isConnected(peer)) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public synchronized void close() {
        transports.values().forEach(NettyTransport::close);
        transports.clear();
    }
}
