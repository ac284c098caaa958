package io.keelraft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.transport.netty.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The liveness handler's counting, driven by hand-fired idle events on an embedded channel. */
class LivenessHandlerTest {

    private final TransportCounters counters = new TransportCounters();
    private final EmbeddedChannel channel = new EmbeddedChannel(new LivenessHandler(Duration.ofSeconds(1), "n2",
            counters, LivenessHandler.closeLog()));

    @Test
    void pingsTwiceThenClosesAfterAWholeTimeoutOfSilence() {
        channel.attr(HandshakeHandler.PEER_ID).set("n2");
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        assertThat(outboundFrame().getPing().getNonce()).isEqualTo(1);
        assertThat(outboundFrame().getPing().getNonce()).isEqualTo(2);
        assertThat(channel.isOpen()).isTrue();
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        assertThat(channel.isOpen()).isFalse();
        assertThat(counters.snapshot().livenessTimeouts()).isEqualTo(1);
    }

    @Test
    void aReadInBetweenStartsTheCountAgain() {
        channel.attr(HandshakeHandler.PEER_ID).set("n2");
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        // The pong came: IdleStateHandler's next report is a first one again.
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        assertThat(channel.isOpen()).isTrue();
        assertThat(counters.snapshot().livenessTimeouts()).isZero();
    }

    @Test
    void answersPingsAndKeepsPingAndPongFromTheRestOfThePipeline() {
        channel.attr(HandshakeHandler.PEER_ID).set("n2");
        channel.writeInbound(new Envelope.Ping(7), new Envelope.Pong(3));
        assertThat(outboundFrame().getPong().getNonce()).isEqualTo(7);
        assertThat(channel.inboundMessages()).isEmpty();
    }

    @Test
    void beforeTheHandshakeItSendsNoPingButStillGivesUp() {
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        assertThat(channel.outboundMessages()).isEmpty();
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        assertThat(channel.isOpen()).isFalse();
    }

    private Frame outboundFrame() {
        ByteBuf buf = channel.readOutbound();
        try {
            buf.skipBytes(FrameEncoder.LENGTH_FIELD_BYTES);
            byte[] body = new byte[buf.readableBytes()];
            buf.readBytes(body);
            return Frame.parseFrom(body);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        } finally {
            buf.release();
        }
    }
}
