package io.keelraft.core.protocol;

import io.keelraft.core.ClusterConfiguration;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QuorumTest {

    @Test
    void agreedValueIsHeldByAMajority() {
        ClusterConfiguration five = ClusterConfiguration.ofVoters(Set.of("a", "b", "c", "d", "e"));
        Map<String, Long> match = Map.of("a", 9L, "b", 7L, "c", 5L, "d", 3L, "e", 1L);
        assertThat(Quorum.agreedValue(five, match::get)).isEqualTo(5);
        ClusterConfiguration four = ClusterConfiguration.ofVoters(Set.of("a", "b", "c", "d"));
        assertThat(Quorum.agreedValue(four, match::get)).as("3 of 4").isEqualTo(5);
    }

    @Test
    void jointConsensusNeedsBothMajorities() {
        ClusterConfiguration joint = new ClusterConfiguration(Set.of("a", "b", "c"), Set.of(), Set.of("c", "d", "e"));
        Map<String, Long> match = Map.of("a", 9L, "b", 9L, "c", 4L, "d", 2L, "e", 1L);
        assertThat(Quorum.agreedValue(joint, match::get)).isEqualTo(2);
        assertThat(Quorum.tally(joint, Set.of("a", "b")::contains, v -> false)).isEqualTo(Quorum.Tally.PENDING);
        assertThat(Quorum.tally(joint, Set.of("a", "b", "c", "d")::contains, v -> false)).isEqualTo(Quorum.Tally.WON);
        assertThat(Quorum.tally(joint, v -> false, Set.of("d", "e")::contains)).isEqualTo(Quorum.Tally.LOST);
    }
}
