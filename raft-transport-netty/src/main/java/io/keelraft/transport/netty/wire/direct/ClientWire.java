package io.keelraft.transport.netty.wire.direct;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import io.keelraft.core.ReadMode;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.transport.netty.wire.ClientHello;
import io.keelraft.transport.netty.wire.ClientRequest;
import io.keelraft.transport.netty.wire.Frame;
import io.keelraft.transport.netty.wire.Ping;
import io.keelraft.transport.netty.wire.Pong;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;

/**
 * The client end of Keel's client protocol, in plain Java types: the frames a client writes (other than commands,
 * which {@link CallFrame} writes) and what it reads back. {@code raft-client} goes through this class and never
 * touches protobuf or the generated classes itself, so the transport jar can carry its own relocated copy of
 * protobuf and an application may use any protobuf version of its own.
 */
public final class ClientWire {

    /** A frame from the server, as the client sees it. */
    public sealed interface ServerFrame permits Handshake, Applied, Failed, ServerPing, ServerPong {
    }

    /** The server's handshake, which names it. */
    public record Handshake(String nodeId) implements ServerFrame {
    }

    /** Call {@code callId} took effect (or was read) with {@code result}. */
    public record Applied(long callId, byte[] result) implements ServerFrame {
    }

    /**
     * Call {@code callId} failed. {@code certainlyNotApplied} is true only when the server knows it did not take
     * effect; {@code leaderHint} and {@code leaderAddress} are null when unknown.
     */
    public record Failed(long callId, ForwardResponse.Reason reason, String leaderHint, String leaderAddress,
                         String message, boolean certainlyNotApplied) implements ServerFrame {
    }

    /** A liveness probe, to answer with {@link #pong}. */
    public record ServerPing(long nonce) implements ServerFrame {
    }

    /** The answer to a {@link #ping}. */
    public record ServerPong() implements ServerFrame {
    }

    private ClientWire() {
    }

    /** The first frame of a client connection. */
    public static ByteBuf hello(ByteBufAllocator alloc, int protocolVersion, String clientName) {
        return encode(alloc, Frame.newBuilder().setClientHello(ClientHello.newBuilder()
                .setClientProtocolVersion(protocolVersion).setClientName(clientName)).build());
    }

    /** Asks the server for a new session; answered with {@link Applied} whose result is the id (8 bytes). */
    public static ByteBuf openSession(ByteBufAllocator alloc, long callId) {
        return encode(alloc, Frame.newBuilder().setClientRequest(ClientRequest.newBuilder().setCallId(callId)
                .setOpenSession(ClientRequest.OpenSession.getDefaultInstance())).build());
    }

    /** A read of {@code query} with the given consistency. */
    public static ByteBuf query(ByteBufAllocator alloc, long callId, byte[] query, ReadMode mode) {
        return encode(alloc, Frame.newBuilder().setClientRequest(ClientRequest.newBuilder().setCallId(callId)
                .setQuery(ClientRequest.Query.newBuilder().setQuery(UnsafeByteOperations.unsafeWrap(query))
                        .setModeValue(mode.ordinal()))).build());
    }

    /** A liveness probe. */
    public static ByteBuf ping(ByteBufAllocator alloc, long nonce) {
        return encode(alloc, Frame.newBuilder().setPing(Ping.newBuilder().setNonce(nonce)).build());
    }

    /** The answer to the server's {@link ServerPing}. */
    public static ByteBuf pong(ByteBufAllocator alloc, long nonce) {
        return encode(alloc, Frame.newBuilder().setPong(Pong.newBuilder().setNonce(nonce)).build());
    }

    /**
     * Reads one frame (its length prefix already cut off) that {@link CallFrame}'s direct reader did not take.
     *
     * @throws IOException when it is not a frame a server sends a client
     */
    public static ServerFrame read(ByteBuf frame) throws IOException {
        Frame f = Frame.parseFrom(CodedInputStream.newInstance(frame.nioBuffer()));
        switch (f.getBodyCase()) {
            case HANDSHAKE:
                return new Handshake(f.getHandshake().getNodeId());
            case PING:
                return new ServerPing(f.getPing().getNonce());
            case PONG:
                return new ServerPong();
            case FORWARD_RESPONSE: {
                var r = f.getForwardResponse();
                if (r.hasApplied()) {
                    return new Applied(r.getCorrelationId(), r.getApplied().getResult().toByteArray());
                }
                if (r.hasFailed()) {
                    var failed = r.getFailed();
                    return new Failed(r.getCorrelationId(), reason(failed.getReason()),
                            failed.hasLeaderHint() ? failed.getLeaderHint() : null,
                            failed.hasLeaderAddress() ? failed.getLeaderAddress() : null,
                            failed.getMessage(), failed.getCertainlyNotApplied());
                }
                throw new IOException("an answer of no kind a client expects (" + r.getResponseCase() + ")");
            }
            default:
                throw new IOException("unexpected " + f.getBodyCase() + " frame");
        }
    }

    /** The wire's reason as raft-core's; one this version does not know is INTERNAL (the flags still tell). */
    private static ForwardResponse.Reason reason(io.keelraft.transport.netty.wire.ForwardResponse.Reason wire) {
        String name = wire.name();
        try {
            return ForwardResponse.Reason.valueOf(name.startsWith("REASON_") ? name.substring(7) : name);
        } catch (IllegalArgumentException unknown) {
            return ForwardResponse.Reason.INTERNAL;
        }
    }

    private static ByteBuf encode(ByteBufAllocator alloc, Frame frame) {
        int size = frame.getSerializedSize();
        ByteBuf out = alloc.ioBuffer(CallFrame.LENGTH_PREFIX_BYTES + size);
        out.writeInt(size);
        try {
            CodedOutputStream coded = CodedOutputStream.newInstance(out.nioBuffer(out.writerIndex(), size));
            frame.writeTo(coded);
            coded.checkNoSpaceLeft();
        } catch (IOException e) {
            out.release();
            throw new IllegalStateException("a client frame did not encode to its " + size + " bytes", e);
        }
        out.writerIndex(out.writerIndex() + size);
        return out;
    }
}
