package io.keelraft.transport.netty;

/**
 * A snapshot of a {@link NettyTransport}'s counters since it started.
 *
 * @param messagesSent         Raft messages handed to a connection
 * @param messagesReceived     Raft messages delivered to the receiver
 * @param droppedUnreachable   messages dropped because the peer was unknown or not connected
 * @param droppedHighWaterMark messages dropped because the peer's pending writes were past the high-water mark
 * @param droppedOversized     messages dropped because they encode to more than the maximum frame size
 * @param forwardsSent         forwarded requests written to a connection
 * @param forwardTimeouts      forwarded requests that got no answer in time
 * @param outboundConnections  outbound connections that completed the handshake
 * @param inboundConnections   inbound connections that completed the handshake
 * @param oversizedFrames      connections closed for a length prefix above the maximum frame size
 * @param malformedFrames      connections closed for bytes that are not a valid frame
 * @param truncatedFrames      connections that ended in the middle of a frame
 * @param unknownMessageTypes  connections closed for a frame of a type this version does not handle
 * @param handshakeFailures    connections closed for a handshake mismatch, or traffic before the handshake
 * @param tlsFailures          connections closed by TLS: no valid certificate, or not TLS at all
 * @param livenessTimeouts     connections closed because nothing came back on them for the liveness timeout
 *                             (a peer that hangs, or a network that drops packets silently)
 * @param clientConnections    connections of remote clients (Keel's client protocol) accepted
 */
public record TransportMetrics(
        long messagesSent,
        long messagesReceived,
        long droppedUnreachable,
        long droppedHighWaterMark,
        long droppedOversized,
        long forwardsSent,
        long forwardTimeouts,
        long outboundConnections,
        long inboundConnections,
        long oversizedFrames,
        long malformedFrames,
        long truncatedFrames,
        long unknownMessageTypes,
        long handshakeFailures,
        long tlsFailures,
        long livenessTimeouts,
        long clientConnections) {

    /** Connections closed on bad input, for any reason. */
    public long rejectedConnections() {
        return oversizedFrames + malformedFrames + truncatedFrames + unknownMessageTypes + handshakeFailures
                + tlsFailures;
    }
}
