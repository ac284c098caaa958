package io.keelraft.transport.netty;

import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Everything a {@link NettyTransport} needs. Build with {@link #builder(String, String)}; every value is
 * checked and a wrong one is named in the error.
 *
 * @param nodeId                this server's id, as the other servers know it
 * @param clusterId             the cluster's id, or null when this server does not know it yet (a new cluster's
 *                              first leader generates it; a new server adopts the first id a peer presents):
 *                              once known, servers presenting another are refused at the handshake
 * @param listenAddress         where this server accepts connections (port 0: any free port, see
 *                              {@link NettyTransport#listenAddress()}); its host is also the address outbound
 *                              connections leave from
 * @param peers                 the other servers: id to address
 * @param maxFrameBytes         the largest frame sent or accepted; a larger incoming length closes the connection.
 *                              A snapshot chunk travels in one frame with about 100 bytes plus the encoded
 *                              configuration around its data, so keep this above the snapshot chunk size (default
 *                              16 MiB against 1 MiB chunks); a chunk that does not fit fails its forward at once
 * @param highWaterMarkBytes    per peer: past this many bytes of writes not yet taken by the socket, messages to
 *                              that peer are dropped and counted (Raft retries) instead of piling up
 * @param reconnectMinDelay     the first delay before reconnecting to a peer; it doubles per failure
 * @param reconnectMaxDelay     the longest delay between attempts to reach a peer
 * @param forwardTimeout        how long a forwarded request waits for its answer (default 10 s). A snapshot chunk
 *                              is answered once the follower has written it (a 1 MiB write: milliseconds; the last
 *                              one waits for the fsync of the whole snapshot), so keep this well above the time to
 *                              fsync a snapshot
 * @param handshakeTimeout      how long a new connection may take to complete the handshake
 * @param livenessTimeout       a connection on which nothing arrives for this long is closed and redialled (both
 *                              ends ping a silent connection; see {@code LivenessHandler}). Also the
 *                              {@code TCP_USER_TIMEOUT} of connections under epoll, and it bounds the connect
 *                              timeout ({@link #connectTimeout()}) and the delay between dials after a failed
 *                              connect ({@link #redialMaxDelay()}). Default 1 s; a {@code RaftNode} sets its election
 *                              timeout, so that a dead connection is replaced within about one election timeout
 * @param tls                   mutual TLS, or null for plaintext
 * @param ioThreads             event loop threads
 * @param preferNativeTransport use epoll when available on Linux (NIO otherwise)
 * @param maxClientInFlight     requests a remote client may keep unanswered on one connection; more are refused
 *                              as overloaded (certainly not applied)
 */
public record NettyTransportOptions(
        String nodeId,
        String clusterId,
        PeerAddress listenAddress,
        Map<String, PeerAddress> peers,
        int maxFrameBytes,
        int highWaterMarkBytes,
        Duration reconnectMinDelay,
        Duration reconnectMaxDelay,
        Duration forwardTimeout,
        Duration handshakeTimeout,
        Duration livenessTimeout,
        TlsOptions tls,
        int ioThreads,
        boolean preferNativeTransport,
        int maxClientInFlight) {

    /** The default maximum frame size: 16 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 16 << 20;

    public NettyTransportOptions {
        requireNonBlank("nodeId", nodeId);
        if (clusterId != null) {
            requireNonBlank("clusterId", clusterId);
        }
        Objects.requireNonNull(listenAddress, "listenAddress");
        Objects.requireNonNull(peers, "peers");
        peers = Collections.unmodifiableMap(new TreeMap<>(peers));
        if (peers.containsKey(nodeId)) {
            throw new IllegalArgumentException("peers must not contain this server's own id '" + nodeId + "'");
        }
        peers.forEach((id, address) -> {
            requireNonBlank("peer id", id);
            if (address.port() == 0) {
                throw new IllegalArgumentException("peer " + id + " needs a port, got " + address);
            }
        });
        atLeast("maxFrameBytes", maxFrameBytes, 1024);
        atLeast("highWaterMarkBytes", highWaterMarkBytes, 2);
        positive("reconnectMinDelay", reconnectMinDelay);
        positive("reconnectMaxDelay", reconnectMaxDelay);
        if (reconnectMaxDelay.compareTo(reconnectMinDelay) < 0) {
            throw new IllegalArgumentException("reconnectMaxDelay (" + reconnectMaxDelay
                    + ") must not be less than reconnectMinDelay (" + reconnectMinDelay + ")");
        }
        positive("forwardTimeout", forwardTimeout);
        positive("handshakeTimeout", handshakeTimeout);
        positive("livenessTimeout", livenessTimeout);
        if (livenessTimeout.toMillis() < 10) {
            throw new IllegalArgumentException("livenessTimeout must be at least 10 ms, was " + livenessTimeout);
        }
        atLeast("ioThreads", ioThreads, 1);
        atLeast("maxClientInFlight", maxClientInFlight, 1);
    }

    /**
     * How long a dial may take to connect: half the liveness timeout, at most the handshake timeout. Bounded, so
     * that a dial sent into a blackhole (a SYN dropped silently) is retried soon after the network heals instead
     * of waiting out TCP's SYN retransmissions (1 s, 3 s, 7 s, ...).
     */
    public Duration connectTimeout() {
        Duration half = livenessTimeout.dividedBy(2);
        return half.compareTo(handshakeTimeout) < 0 ? half : handshakeTimeout;
    }

    /**
     * The longest delay between dials while a peer cannot be reached at all (refused, timed out, or the connection
     * lost before its handshake): a quarter of the liveness timeout, within [{@code reconnectMinDelay},
     * {@code reconnectMaxDelay}], so that a healed network or a restarted peer is back within a fraction of an
     * election timeout. A peer that completes the handshake and then drops us at once (it refuses us: we are not a
     * member it knows) backs off up to {@code reconnectMaxDelay} instead.
     */
    public Duration redialMaxDelay() {
        Duration quarter = livenessTimeout.dividedBy(4);
        if (quarter.compareTo(reconnectMinDelay) < 0) {
            return reconnectMinDelay;
        }
        return quarter.compareTo(reconnectMaxDelay) > 0 ? reconnectMaxDelay : quarter;
    }

    /** Starts options for server {@code nodeId} of cluster {@code clusterId}, with production defaults. */
    public static Builder builder(String nodeId, String clusterId) {
        return new Builder(nodeId, clusterId);
    }

    private static void requireNonBlank(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }

    private static void atLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be at least " + min + ", was " + value);
        }
    }

    private static void positive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }

    /** Builder with production defaults; {@link #listen} is required. */
    public static final class Builder {
        private final String nodeId;
        private final String clusterId;
        private PeerAddress listenAddress;
        private final Map<String, PeerAddress> peers = new TreeMap<>();
        private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
        private int highWaterMarkBytes = 16 << 20;
        private Duration reconnectMinDelay = Duration.ofMillis(100);
        private Duration reconnectMaxDelay = Duration.ofSeconds(5);
        private Duration forwardTimeout = Duration.ofSeconds(10);
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration livenessTimeout = Duration.ofSeconds(1);
        private TlsOptions tls;
        private int ioThreads = Math.min(4, Runtime.getRuntime().availableProcessors());
        private boolean preferNativeTransport = true;
        private int maxClientInFlight = 16_384;

        private Builder(String nodeId, String clusterId) {
            this.nodeId = nodeId;
            this.clusterId = clusterId;
        }

        /** Where to accept connections; port 0 picks a free one. */
        public Builder listen(PeerAddress address) {
            this.listenAddress = address;
            return this;
        }

        /** {@code host:port} form of {@link #listen(PeerAddress)}. */
        public Builder listen(String hostAndPort) {
            return listen(PeerAddress.parse(hostAndPort));
        }

        public Builder peer(String id, PeerAddress address) {
            peers.put(id, Objects.requireNonNull(address, "address"));
            return this;
        }

        /** {@code host:port} form of {@link #peer(String, PeerAddress)}. */
        public Builder peer(String id, String hostAndPort) {
            return peer(id, PeerAddress.parse(hostAndPort));
        }

        public Builder peers(Map<String, PeerAddress> peers) {
            peers.forEach(this::peer);
            return this;
        }

        public Builder maxFrameBytes(int bytes) {
            this.maxFrameBytes = bytes;
            return this;
        }

        public Builder highWaterMarkBytes(int bytes) {
            this.highWaterMarkBytes = bytes;
            return this;
        }

        public Builder reconnectDelay(Duration min, Duration max) {
            this.reconnectMinDelay = min;
            this.reconnectMaxDelay = max;
            return this;
        }

        public Builder forwardTimeout(Duration timeout) {
            this.forwardTimeout = timeout;
            return this;
        }

        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = timeout;
            return this;
        }

        /** See {@link NettyTransportOptions#livenessTimeout()}; default 1 s (RaftNode: its election timeout). */
        public Builder livenessTimeout(Duration timeout) {
            this.livenessTimeout = timeout;
            return this;
        }

        /** Turns on mutual TLS; null turns it off. */
        public Builder tls(TlsOptions tls) {
            this.tls = tls;
            return this;
        }

        public Builder ioThreads(int threads) {
            this.ioThreads = threads;
            return this;
        }

        public Builder preferNativeTransport(boolean prefer) {
            this.preferNativeTransport = prefer;
            return this;
        }

        /** Requests a remote client may keep unanswered on one connection (default 16,384). */
        public Builder maxClientInFlight(int requests) {
            this.maxClientInFlight = requests;
            return this;
        }

        /** Checks every value and builds. */
        public NettyTransportOptions build() {
            NettyVersionCheck.check(); // before anything needs a Netty 4.2 class: a clear message, not a linkage error
            if (listenAddress == null) {
                throw new IllegalArgumentException("listen address not set");
            }
            return new NettyTransportOptions(nodeId, clusterId, listenAddress, peers, maxFrameBytes,
                    highWaterMarkBytes, reconnectMinDelay, reconnectMaxDelay, forwardTimeout, handshakeTimeout,
                    livenessTimeout, tls, ioThreads, preferNativeTransport, maxClientInFlight);
        }
    }
}
