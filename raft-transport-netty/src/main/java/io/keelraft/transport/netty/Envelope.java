package io.keelraft.transport.netty;

import io.keelraft.core.protocol.Message;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;

/** What one decoded frame carries, in raft-core's terms: the output of {@link FrameDecoder}. */
sealed interface Envelope {

    /** The other side's handshake: who it is and what it speaks. */
    record Hello(String clusterId, String nodeId, int protocolVersion) implements Envelope {
    }

    /** A Raft message, its sender and receiver filled in from the connection. */
    record Raft(Message message) implements Envelope {
    }

    /** A request the peer forwards to this server; the answer goes back with the same correlation id. */
    record Forward(long correlationId, ForwardRequest request) implements Envelope {
    }

    /** The peer checks that this connection still carries traffic back: answer with a {@link Pong}. */
    record Ping(long nonce) implements Envelope {
    }

    /** The answer to one of our {@link Ping}s. */
    record Pong(long nonce) implements Envelope {
    }

    /** A remote client's first frame, instead of a {@link Hello}: this is a client connection. */
    record ClientHello(int protocolVersion, String clientName) implements Envelope {
    }

    /** A remote client's request; the answer goes back with the same call id. */
    record ClientCall(long callId, io.keelraft.core.spi.ClientRequest request) implements Envelope {
    }

    /** The answer to a request this server forwarded on this connection. */
    record ForwardReply(long correlationId, ForwardResponse response) implements Envelope {
    }
}
