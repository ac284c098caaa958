package io.keelraft.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProtocolConfigTest {

    @Test
    void defaultsEnablePreVoteAndCheckQuorum() {
        ProtocolConfig c = ProtocolConfig.builder("n1").build();
        assertThat(c.preVote()).isTrue();
        assertThat(c.checkQuorum()).isTrue();
        assertThat(c.heartbeatIntervalTicks()).isLessThan(c.electionTimeoutTicks());
    }

    @Test
    void aWrongValueIsNamedInTheError() {
        assertThatThrownBy(() -> ProtocolConfig.builder("n1").electionTimeoutTicks(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("electionTimeoutTicks");
        assertThatThrownBy(() -> ProtocolConfig.builder("n1").electionTimeoutTicks(5).heartbeatIntervalTicks(5).build())
                .hasMessageContaining("heartbeatIntervalTicks (5) must be less than electionTimeoutTicks (5)");
        assertThatThrownBy(() -> ProtocolConfig.builder("n1").maxInflightBytes(-1).build())
                .hasMessageContaining("maxInflightBytes must be positive, was -1");
        assertThatThrownBy(() -> ProtocolConfig.builder(" ")).hasMessageContaining("id must not be blank");
    }
}
