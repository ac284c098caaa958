package io.keelraft.core.protocol;

import io.keelraft.core.ClusterConfiguration;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Counting votes in joint consensus (thesis §4.3): an election needs a majority of both voter sets, and is lost
 * as soon as either set can no longer grant one. Found by mutation testing (docs/MUTATION.md): only commitment
 * (agreedValue) was tested in a joint configuration.
 */
class QuorumTallyTest {

    private static final ClusterConfiguration JOINT = new ClusterConfiguration(Set.of("a", "b", "c"), Set.of(),
            Set.of("c", "d", "e"));

    @Test
    void aJointElectionNeedsBothMajorities() {
        assertThat(Quorum.tally(JOINT, Set.of("a", "b")::contains, v -> false)).isEqualTo(Quorum.Tally.PENDING);
        assertThat(Quorum.tally(JOINT, Set.of("d", "e")::contains, v -> false)).isEqualTo(Quorum.Tally.PENDING);
        assertThat(Quorum.tally(JOINT, Set.of("a", "b", "d", "e")::contains, v -> false))
                .isEqualTo(Quorum.Tally.WON);
        assertThat(Quorum.tally(JOINT, Set.of("c", "a", "d")::contains, v -> false)).isEqualTo(Quorum.Tally.WON);
    }

    @Test
    void aJointElectionIsLostWhenEitherHalfIsLost() {
        assertThat(Quorum.tally(JOINT, Set.of("a", "b")::contains, Set.of("d", "e")::contains))
                .isEqualTo(Quorum.Tally.LOST);
        assertThat(Quorum.tally(JOINT, Set.of("d", "e")::contains, Set.of("a", "b")::contains))
                .isEqualTo(Quorum.Tally.LOST);
        assertThat(Quorum.tally(JOINT, Set.of("a")::contains, Set.of("d")::contains))
                .isEqualTo(Quorum.Tally.PENDING);
    }

    @Test
    void outsideJointConsensusOnlyTheVotersCount() {
        ClusterConfiguration plain = new ClusterConfiguration(Set.of("a", "b", "c"), Set.of("x", "y"), Set.of());
        assertThat(Quorum.tally(plain, Set.of("a", "x", "y")::contains, v -> false))
                .isEqualTo(Quorum.Tally.PENDING);
        assertThat(Quorum.tally(plain, Set.of("a", "b")::contains, v -> false)).isEqualTo(Quorum.Tally.WON);
        assertThat(Quorum.tally(plain, v -> false, Set.of("b", "c")::contains)).isEqualTo(Quorum.Tally.LOST);
    }
}
