package io.keelraft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The one set of options: defaults, the protocol's view in ticks, and errors that name the wrong value. */
class RaftOptionsTest {

    @Test
    void defaultsTickOncePerHeartbeat() {
        RaftOptions o = RaftOptions.defaults();
        assertThat(o.preVote()).isTrue();
        assertThat(o.checkQuorum()).isTrue();
        assertThat(o.tick()).isEqualTo(o.heartbeatInterval());
        assertThat(o.heartbeatIntervalTicks()).isEqualTo(1);
        assertThat(o.electionTimeoutTicks()).isEqualTo(10);
        assertThat(o.diskStallTicks()).isEqualTo(10);
        assertThat(o.snapshotRetryTicks()).isEqualTo(50);
    }

    @Test
    void timeoutsInTicksAreMultiplesOfTheTick() {
        RaftOptions o = RaftOptions.builder().tick(Duration.ofMillis(5)).electionTimeoutTicks(10)
                .heartbeatIntervalTicks(2).build();
        assertThat(o.electionTimeout()).isEqualTo(Duration.ofMillis(50));
        assertThat(o.heartbeatInterval()).isEqualTo(Duration.ofMillis(10));
        assertThat(o.electionTimeoutTicks()).isEqualTo(10);
        assertThat(o.heartbeatIntervalTicks()).isEqualTo(2);
    }

    @Test
    void aWrongValueIsNamedInTheError() {
        assertThatThrownBy(() -> RaftOptions.builder().tick(Duration.ofMillis(1)).electionTimeoutTicks(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("electionTimeoutTicks");
        assertThatThrownBy(() -> RaftOptions.builder().tick(Duration.ofMillis(1)).electionTimeoutTicks(5)
                .heartbeatIntervalTicks(5).build()).hasMessageContaining("must be at least twice heartbeatInterval");
        assertThatThrownBy(() -> RaftOptions.builder().electionTimeoutTicks(5).build())
                .hasMessageContaining("timeouts in ticks need tick(...)");
        assertThatThrownBy(() -> RaftOptions.builder().maxInflightBytes(-1).build())
                .hasMessageContaining("maxInflightBytes must be positive, was -1");
        assertThatThrownBy(() -> RaftOptions.builder().tick(Duration.ofSeconds(1)).build())
                .hasMessageContaining("tick (PT1S) must not be longer than heartbeatInterval");
    }
}
