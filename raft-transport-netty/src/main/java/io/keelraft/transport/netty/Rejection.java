package io.keelraft.transport.netty;

/** Why the transport closed a connection on bad input; each has its own counter in {@link TransportMetrics}. */
enum Rejection {
    /** A length prefix above the maximum frame size (garbage often reads as one). */
    OVERSIZED_FRAME("oversized frame"),
    /** Bytes that are not a valid protobuf frame, or a frame with impossible contents. */
    MALFORMED_FRAME("malformed frame"),
    /** The connection ended in the middle of a frame. */
    TRUNCATED_FRAME("truncated frame"),
    /** A well-formed frame whose body this version does not handle. */
    UNKNOWN_MESSAGE_TYPE("unknown message type"),
    /** Another cluster, another protocol version, an unknown or unexpected node id, or no handshake first. */
    HANDSHAKE_FAILURE("handshake failure"),
    /** The TLS handshake or a TLS record failed: no valid certificate, or a plaintext peer. */
    TLS_FAILURE("TLS failure");

    private final String label;

    Rejection(String label) {
        this.label = label;
    }

    @Override
    public String toString() {
        return label;
    }
}
