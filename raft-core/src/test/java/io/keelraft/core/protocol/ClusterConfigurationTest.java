package io.keelraft.core.protocol;

import io.keelraft.core.ClusterConfiguration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterConfigurationTest {

    @Test
    void roundTripsThroughItsLogEncoding() {
        ClusterConfiguration joint = new ClusterConfiguration(Set.of("a", "b", "c"), Set.of("l"), Set.of("a", "b", "x"));
        assertThat(ClusterConfiguration.decode(joint.encode())).isEqualTo(joint);
        assertThat(joint.isJoint()).isTrue();
        assertThat(joint.isVoter("x")).isTrue();
        assertThat(joint.isVoter("l")).isFalse();
        assertThat(joint.members()).containsExactlyInAnyOrder("a", "b", "c", "x", "l");
    }

    @Test
    void addressesRoundTripAndVersionOnePayloadsStillDecode() {
        ClusterConfiguration withAddresses = ClusterConfiguration.ofVoters(
                java.util.Map.of("a", "10.0.0.1:7000", "b", "10.0.0.2:7000"));
        assertThat(ClusterConfiguration.decode(withAddresses.encode())).isEqualTo(withAddresses);
        assertThat(withAddresses.addresses()).containsEntry("b", "10.0.0.2:7000");
        // version 1 (before addresses): version byte, then three sets of (count, UTF strings)
        byte[] v1 = {1, 0, 0, 0, 1, 0, 1, 'a', 0, 0, 0, 0, 0, 0, 0, 0};
        assertThat(ClusterConfiguration.decode(v1)).isEqualTo(ClusterConfiguration.ofVoters(Set.of("a")));
    }

    @Test
    void malformedPayloadsAreRejectedWithAReason() {
        byte[] good = ClusterConfiguration.ofVoters(Set.of("a")).encode();
        assertThatThrownBy(() -> ClusterConfiguration.decode(new byte[] {9}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("format version 9");
        assertThatThrownBy(() -> ClusterConfiguration.decode(java.util.Arrays.copyOf(good, good.length - 2)))
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> ClusterConfiguration.decode(java.util.Arrays.copyOf(good, good.length + 1)))
                .hasMessageContaining("trailing");
        assertThatThrownBy(() -> new ClusterConfiguration(Set.of("a"), Set.of("a"), Set.of()))
                .hasMessageContaining("both voter and learner");
    }
}
