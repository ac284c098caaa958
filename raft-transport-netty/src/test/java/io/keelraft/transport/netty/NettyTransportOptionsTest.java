package io.keelraft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class NettyTransportOptionsTest {

    @Test
    void defaults() {
        NettyTransportOptions o = NettyTransportOptions.builder("n1", "c").listen("10.0.0.1:7000")
                .peer("n2", "10.0.0.2:7000").build();
        assertThat(o.maxFrameBytes()).isEqualTo(16 << 20);
        assertThat(o.listenAddress()).isEqualTo(new PeerAddress("10.0.0.1", 7000));
        assertThat(o.peers()).containsOnlyKeys("n2");
        assertThat(o.tls()).isNull();
        assertThat(o.preferNativeTransport()).isTrue();
        assertThat(o.livenessTimeout()).isEqualTo(Duration.ofSeconds(1));
        // Derived from the liveness timeout: a dial into a blackhole gives up soon, an unreachable peer is
        // redialled within a fraction of it.
        assertThat(o.connectTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(o.redialMaxDelay()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void derivedTimeoutsStayWithinTheirBounds() {
        NettyTransportOptions slow = NettyTransportOptions.builder("n1", "c").listen("127.0.0.1:0")
                .livenessTimeout(Duration.ofSeconds(60)).build();
        assertThat(slow.connectTimeout()).isEqualTo(slow.handshakeTimeout());
        assertThat(slow.redialMaxDelay()).isEqualTo(slow.reconnectMaxDelay());
        NettyTransportOptions quick = NettyTransportOptions.builder("n1", "c").listen("127.0.0.1:0")
                .livenessTimeout(Duration.ofMillis(100)).build();
        assertThat(quick.redialMaxDelay()).isEqualTo(quick.reconnectMinDelay());
        assertThatThrownBy(() -> NettyTransportOptions.builder("n1", "c").listen("127.0.0.1:0")
                .livenessTimeout(Duration.ofMillis(5)).build()).hasMessageContaining("livenessTimeout");
    }

    @Test
    void wrongValuesAreNamed() {
        NettyTransportOptions.Builder b = NettyTransportOptions.builder("n1", "c").listen("127.0.0.1:0");
        assertThatThrownBy(() -> NettyTransportOptions.builder("n1", "c").build())
                .hasMessageContaining("listen address");
        assertThatThrownBy(() -> NettyTransportOptions.builder(" ", "c").listen("127.0.0.1:0").build())
                .hasMessageContaining("nodeId");
        assertThatThrownBy(() -> b.peer("n1", "127.0.0.1:1").build()).hasMessageContaining("own id 'n1'");
        assertThatThrownBy(() -> NettyTransportOptions.builder("n1", "c").listen("127.0.0.1:0")
                .peer("n2", "127.0.0.1:0").build()).hasMessageContaining("peer n2 needs a port");
        assertThatThrownBy(() -> NettyTransportOptions.builder("n1", "c").listen("127.0.0.1:0").maxFrameBytes(10)
                .build()).hasMessageContaining("maxFrameBytes");
        assertThatThrownBy(() -> NettyTransportOptions.builder("n1", "c").listen("127.0.0.1:0")
                .reconnectDelay(Duration.ofSeconds(2), Duration.ofSeconds(1)).build())
                .hasMessageContaining("reconnectMaxDelay");
        assertThatThrownBy(() -> NettyTransportOptions.builder("n1", "c").listen("127.0.0.1:0")
                .forwardTimeout(Duration.ZERO).build()).hasMessageContaining("forwardTimeout");
    }

    @Test
    void addressesParse() {
        assertThat(PeerAddress.parse("keel-0.keel:7000")).isEqualTo(new PeerAddress("keel-0.keel", 7000));
        assertThat(PeerAddress.parse("[::1]:7000")).isEqualTo(new PeerAddress("::1", 7000));
        assertThat(new PeerAddress("::1", 7000)).hasToString("[::1]:7000");
        assertThatThrownBy(() -> PeerAddress.parse("::1:7000")).hasMessageContaining("brackets");
        assertThatThrownBy(() -> PeerAddress.parse("host")).hasMessageContaining("host:port");
        assertThatThrownBy(() -> PeerAddress.parse("host:http")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> PeerAddress.parse("host:70000")).hasMessageContaining("0..65535");
    }
}
