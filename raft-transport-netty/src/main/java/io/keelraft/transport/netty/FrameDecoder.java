package io.keelraft.transport.netty;

import com.google.protobuf.CodedInputStream;
import io.keelraft.core.protocol.Message;
import io.keelraft.core.spi.ClientRequest;
import io.keelraft.transport.netty.wire.Frame;
import io.keelraft.transport.netty.wire.Handshake;
import io.keelraft.transport.netty.wire.direct.AppendEntriesCodec;
import io.keelraft.transport.netty.wire.direct.CallFrame;
import io.keelraft.transport.netty.wire.direct.FrameBytes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import java.util.List;

/**
 * Cuts the byte stream into length-prefixed frames, parses each and turns it into an {@link Envelope}.
 *
 * <p>Until the handshake has named the peer ({@link HandshakeHandler#PEER_ID}) only a handshake is accepted;
 * after it, a second handshake is refused. Anything wrong throws {@link BadInputException}; from then on the
 * decoder ignores the rest of the connection's bytes, which is closing.
 *
 * <p>AppendEntries, nearly all the bytes, are read straight from the network buffer into raft-core's records
 * ({@link AppendEntriesCodec}): each payload is copied once, into the {@code byte[]} raft-core keeps. So are the
 * commands of remote clients, one frame per request ({@link CallFrame#CLIENT_COMMAND}). Other frames, and any
 * of those that the direct readers do not take, go through the generated protobuf parser.
 */
final class FrameDecoder extends LengthFieldBasedFrameDecoder {

    /** Frame's append_entries field (4), length-delimited: the first byte of every AppendEntries frame. */
    private static final byte APPEND_ENTRIES_TAG = (4 << 3) | 2;

    private final int maxFrameBytes;
    private final String ownId;
    /** Frames up to {@link FrameEncoder#SCRATCH_BYTES} are parsed from one reused array. */
    private final FrameBytes bytes = new FrameBytes(FrameEncoder.SCRATCH_BYTES);
    /** What the last client command read held; copied into the request before the next frame. */
    private final CallFrame.Fields command = new CallFrame.Fields();
    private boolean failed;

    FrameDecoder(int maxFrameBytes, String ownId) {
        // failFast: refuse an oversized length as soon as it is read, without buffering the frame.
        super(maxFrameBytes, 0, FrameEncoder.LENGTH_FIELD_BYTES, 0, FrameEncoder.LENGTH_FIELD_BYTES, true);
        this.maxFrameBytes = maxFrameBytes;
        this.ownId = ownId;
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return null;
        }
        try {
            ByteBuf frame = cut(ctx, in);
            if (frame == null) {
                return null;
            }
            try {
                Envelope direct = readDirect(ctx, frame);
                return direct != null ? direct : toEnvelope(ctx, parse(frame));
            } finally {
                frame.release();
            }
        } catch (BadInputException e) {
            failed = true;
            throw e;
        } catch (RuntimeException e) {
            // Values raft-core's types refuse to hold: the frame is well-formed protobuf but makes no sense.
            failed = true;
            throw new BadInputException(Rejection.MALFORMED_FRAME, "a frame with impossible contents: " + e);
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        super.decodeLast(ctx, in, out);
        if (!failed && in.isReadable()) {
            failed = true;
            int have = in.readableBytes();
            String detail = have < FrameEncoder.LENGTH_FIELD_BYTES
                    ? "the connection ended after " + have + " byte(s) of a length prefix"
                    : "the connection ended " + (have - FrameEncoder.LENGTH_FIELD_BYTES) + " byte(s) into a frame of "
                    + in.getUnsignedInt(in.readerIndex()) + " bytes";
            in.skipBytes(have);
            throw new BadInputException(Rejection.TRUNCATED_FRAME, detail);
        }
    }

    private ByteBuf cut(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        try {
            return (ByteBuf) super.decode(ctx, in);
        } catch (TooLongFrameException e) {
            throw new BadInputException(Rejection.OVERSIZED_FRAME, "frame length prefix above the maximum of "
                    + maxFrameBytes + " bytes (" + e.getMessage() + ")");
        } catch (CorruptedFrameException e) {
            throw new BadInputException(Rejection.MALFORMED_FRAME, "impossible frame length prefix ("
                    + e.getMessage() + ")");
        }
    }

    /**
     * The hot paths, read straight into raft-core's records: AppendEntries from a peer, a command from a client.
     * Null for any other frame, and for any such frame the direct readers leave to the generated parser.
     */
    private Envelope readDirect(ChannelHandlerContext ctx, ByteBuf frame) {
        int length = frame.readableBytes();
        if (length == 0) {
            return null;
        }
        byte first = frame.getByte(frame.readerIndex());
        String peer = ctx.channel().attr(HandshakeHandler.PEER_ID).get();
        if (peer != null) {
            if (first != APPEND_ENTRIES_TAG) {
                return null;
            }
            Message.AppendEntries append = AppendEntriesCodec.readFrame(bytes.array(frame), FrameBytes.offset(frame),
                    length, peer, ownId);
            return append == null ? null : new Envelope.Raft(append);
        }
        // Only a client's connection carries its requests (toEnvelope refuses them on any other).
        if (first != CallFrame.CLIENT_COMMAND.firstByte() || ctx.channel().attr(ClientEndpoint.CLIENT).get() == null
                || !CallFrame.CLIENT_COMMAND.read(bytes.array(frame), FrameBytes.offset(frame), length, command)) {
            return null;
        }
        return new Envelope.ClientCall(command.id(), new ClientRequest.Command(
                command.uint64(io.keelraft.transport.netty.wire.ClientRequest.Command.SESSION_ID_FIELD_NUMBER),
                command.uint64(io.keelraft.transport.netty.wire.ClientRequest.Command.SEQ_FIELD_NUMBER),
                command.uint64(io.keelraft.transport.netty.wire.ClientRequest.Command.ACKED_THROUGH_FIELD_NUMBER),
                command.bytes()));
    }

    private Frame parse(ByteBuf frame) {
        CodedInputStream in;
        int length = frame.readableBytes();
        if (frame.hasArray() || length <= FrameEncoder.SCRATCH_BYTES) {
            // A heap frame in place; a small direct one (votes, answers, client requests the direct reader left)
            // copied once into the reused array (FrameBytes says why).
            in = CodedInputStream.newInstance(bytes.array(frame), FrameBytes.offset(frame), length);
        } else if (frame.nioBufferCount() == 1) {
            // A direct buffer is parsed in place: a snapshot chunk's megabyte is then copied once, by WireCodec.
            in = CodedInputStream.newInstance(frame.nioBuffer());
        } else {
            in = CodedInputStream.newInstance(ByteBufUtil.getBytes(frame));
        }
        // Bytes fields point into the frame (or the scratch array); WireCodec copies them out before the frame is
        // released and before the next frame is parsed.
        in.enableAliasing(true);
        try {
            return Frame.parseFrom(in);
        } catch (IOException e) { // InvalidProtocolBufferException, in practice
            throw new BadInputException(Rejection.MALFORMED_FRAME, "a " + frame.readableBytes()
                    + "-byte frame that is not a valid protobuf Frame: " + e.getMessage());
        }
    }

    private Envelope toEnvelope(ChannelHandlerContext ctx, Frame frame) {
        String peer = ctx.channel().attr(HandshakeHandler.PEER_ID).get();
        switch (frame.getBodyCase()) {
            case BODY_NOT_SET:
                throw new BadInputException(Rejection.UNKNOWN_MESSAGE_TYPE, frame.getUnknownFields().asMap().isEmpty()
                        ? "a frame with no body" : "a frame whose body has unknown field number(s) "
                        + frame.getUnknownFields().asMap().keySet());
            case INSTALL_SNAPSHOT_RESPONSE:
                // In the wire format, but not in raft-core (chunks are answered as forwarded requests): see WireCodec.
                throw new BadInputException(Rejection.UNKNOWN_MESSAGE_TYPE,
                        "a " + frame.getBodyCase() + " frame, which this version does not handle yet");
            case CLIENT_HELLO:
                if (peer != null || ctx.channel().attr(ClientEndpoint.CLIENT).get() != null) {
                    throw new BadInputException(Rejection.HANDSHAKE_FAILURE, "a client hello after the handshake");
                }
                return new Envelope.ClientHello(frame.getClientHello().getClientProtocolVersion(),
                        frame.getClientHello().getClientName());
            case HANDSHAKE:
                if (ctx.channel().attr(ClientEndpoint.CLIENT).get() != null) {
                    throw new BadInputException(Rejection.HANDSHAKE_FAILURE, "a server handshake from a client");
                }
                if (peer != null) {
                    throw new BadInputException(Rejection.HANDSHAKE_FAILURE, "a second handshake from " + peer);
                }
                Handshake h = frame.getHandshake();
                return new Envelope.Hello(h.getClusterId(), h.getNodeId(), h.getProtocolVersion());
            default:
                break;
        }
        if (peer == null && ctx.channel().attr(ClientEndpoint.CLIENT).get() != null) {
            // A client connection carries client requests and liveness frames, nothing of Raft.
            switch (frame.getBodyCase()) {
                case CLIENT_REQUEST:
                    return new Envelope.ClientCall(frame.getClientRequest().getCallId(),
                            WireCodec.toClientRequest(frame.getClientRequest()));
                case PING:
                    return new Envelope.Ping(frame.getPing().getNonce());
                case PONG:
                    return new Envelope.Pong(frame.getPong().getNonce());
                default:
                    throw new BadInputException(Rejection.UNKNOWN_MESSAGE_TYPE, "a " + frame.getBodyCase()
                            + " frame from a client (client " + ctx.channel().attr(ClientEndpoint.CLIENT).get() + ")");
            }
        }
        if (peer == null) {
            throw new BadInputException(Rejection.HANDSHAKE_FAILURE,
                    "a " + frame.getBodyCase() + " frame before the handshake");
        }
        switch (frame.getBodyCase()) {
            case FORWARD_REQUEST:
                return new Envelope.Forward(frame.getForwardRequest().getCorrelationId(),
                        WireCodec.toForwardRequest(frame.getForwardRequest(), peer));
            case FORWARD_RESPONSE:
                return new Envelope.ForwardReply(frame.getForwardResponse().getCorrelationId(),
                        WireCodec.toForwardResponse(frame.getForwardResponse()));
            case PING:
                return new Envelope.Ping(frame.getPing().getNonce());
            case PONG:
                return new Envelope.Pong(frame.getPong().getNonce());
            default:
                return new Envelope.Raft(WireCodec.toMessage(frame, peer, ownId));
        }
    }
}
