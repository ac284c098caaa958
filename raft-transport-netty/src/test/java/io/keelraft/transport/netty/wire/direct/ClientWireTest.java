package io.keelraft.transport.netty.wire.direct;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.keelraft.core.ReadMode;
import io.keelraft.core.spi.ForwardResponse.Reason;
import io.keelraft.transport.netty.wire.ClientHello;
import io.keelraft.transport.netty.wire.ClientRequest;
import io.keelraft.transport.netty.wire.ForwardResponse;
import io.keelraft.transport.netty.wire.Frame;
import io.keelraft.transport.netty.wire.Handshake;
import io.keelraft.transport.netty.wire.Ping;
import io.keelraft.transport.netty.wire.Pong;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The client's frames other than a command, and what it reads back: the generated code's bytes, both ways. */
class ClientWireTest {

    private static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    @Test
    void writesWhatTheGeneratedCodeWrites() {
        assertThat(bytes(ClientWire.hello(ALLOC, 1, "bench"))).isEqualTo(prefixed(Frame.newBuilder().setClientHello(
                ClientHello.newBuilder().setClientProtocolVersion(1).setClientName("bench")).build()));
        assertThat(bytes(ClientWire.openSession(ALLOC, 7))).isEqualTo(prefixed(Frame.newBuilder().setClientRequest(
                ClientRequest.newBuilder().setCallId(7).setOpenSession(ClientRequest.OpenSession.getDefaultInstance()))
                .build()));
        for (ReadMode mode : ReadMode.values()) {
            assertThat(bytes(ClientWire.query(ALLOC, Long.MAX_VALUE, new byte[] {1, 2, 3}, mode))).isEqualTo(prefixed(
                    Frame.newBuilder().setClientRequest(ClientRequest.newBuilder().setCallId(Long.MAX_VALUE)
                            .setQuery(ClientRequest.Query.newBuilder().setQuery(ByteString.copyFrom(new byte[] {1, 2, 3}))
                                    .setModeValue(mode.ordinal()))).build()));
        }
        assertThat(bytes(ClientWire.ping(ALLOC, 3))).isEqualTo(prefixed(Frame.newBuilder()
                .setPing(Ping.newBuilder().setNonce(3)).build()));
        assertThat(bytes(ClientWire.pong(ALLOC, 0))).isEqualTo(prefixed(Frame.newBuilder()
                .setPong(Pong.newBuilder().setNonce(0)).build()));
    }

    @Test
    void readsWhatAServerSends() throws IOException {
        assertThat(read(Frame.newBuilder().setHandshake(Handshake.newBuilder().setNodeId("n2")).build()))
                .isEqualTo(new ClientWire.Handshake("n2"));
        assertThat(read(Frame.newBuilder().setPing(Ping.newBuilder().setNonce(9)).build()))
                .isEqualTo(new ClientWire.ServerPing(9));
        assertThat(read(Frame.newBuilder().setPong(Pong.newBuilder()).build())).isEqualTo(new ClientWire.ServerPong());
        ClientWire.ServerFrame applied = read(Frame.newBuilder().setForwardResponse(ForwardResponse.newBuilder()
                .setCorrelationId(5).setApplied(ForwardResponse.Applied.newBuilder().setIndex(3)
                        .setResult(ByteString.copyFrom(new byte[] {4})))).build());
        assertThat(applied).isInstanceOfSatisfying(ClientWire.Applied.class, a -> {
            assertThat(a.callId()).isEqualTo(5);
            assertThat(a.result()).containsExactly(4);
        });
        assertThat(read(failed(ForwardResponse.Reason.REASON_NOT_LEADER, true, true)))
                .isEqualTo(new ClientWire.Failed(6, Reason.NOT_LEADER, "n3", "h:1", "no", true));
        assertThat(read(failed(ForwardResponse.Reason.REASON_OUT_OF_ORDER, false, false)))
                .isEqualTo(new ClientWire.Failed(6, Reason.OUT_OF_ORDER, null, null, "no", false));
        // A reason this version does not know (or none) is INTERNAL; whether it was applied still comes through.
        assertThat(read(failed(ForwardResponse.Reason.REASON_UNSPECIFIED, false, true)))
                .isEqualTo(new ClientWire.Failed(6, Reason.INTERNAL, null, null, "no", true));
        for (ForwardResponse.Reason wire : ForwardResponse.Reason.values()) {
            if (wire != ForwardResponse.Reason.UNRECOGNIZED && wire != ForwardResponse.Reason.REASON_UNSPECIFIED) {
                assertThat(((ClientWire.Failed) read(failed(wire, false, false))).reason().name())
                        .isEqualTo(wire.name().substring("REASON_".length()));
            }
        }
    }

    @Test
    void refusesWhatAServerDoesNotSendAClient() {
        assertThatThrownBy(() -> read(Frame.newBuilder().setClientRequest(ClientRequest.newBuilder().setCallId(1)
                .setOpenSession(ClientRequest.OpenSession.getDefaultInstance())).build()))
                .isInstanceOf(IOException.class).hasMessageContaining("CLIENT_REQUEST");
        assertThatThrownBy(() -> read(Frame.newBuilder().setForwardResponse(ForwardResponse.newBuilder()
                .setCorrelationId(1)).build())).isInstanceOf(IOException.class);
        ByteBuf garbage = Unpooled.wrappedBuffer(new byte[] {(byte) 0xff, (byte) 0xff, 0x01});
        assertThatThrownBy(() -> ClientWire.read(garbage)).isInstanceOf(IOException.class);
    }

    private static Frame failed(ForwardResponse.Reason reason, boolean hints, boolean certain) {
        ForwardResponse.Failed.Builder f = ForwardResponse.Failed.newBuilder().setReason(reason).setMessage("no")
                .setCertainlyNotApplied(certain);
        if (hints) {
            f.setLeaderHint("n3").setLeaderAddress("h:1");
        }
        return Frame.newBuilder().setForwardResponse(ForwardResponse.newBuilder().setCorrelationId(6).setFailed(f))
                .build();
    }

    private static ClientWire.ServerFrame read(Frame frame) throws IOException {
        ByteBuf direct = Unpooled.directBuffer().writeBytes(frame.toByteArray());
        try {
            return ClientWire.read(direct);
        } finally {
            direct.release();
        }
    }

    private static byte[] prefixed(Frame frame) {
        byte[] body = frame.toByteArray();
        return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
    }

    private static byte[] bytes(ByteBuf buf) {
        byte[] out = ByteBufUtil.getBytes(buf);
        buf.release();
        return out;
    }
}
