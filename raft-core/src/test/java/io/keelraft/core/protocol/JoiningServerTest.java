package io.keelraft.core.protocol;

import io.keelraft.core.RaftOptions;
import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A server started with no configuration of its own waits to be added, and takes the leader's log. */
class JoiningServerTest {

    private static final ClusterConfiguration NONE = new ClusterConfiguration(Set.of(), Set.of(), Set.of());

    private static RaftProtocol joining() {
        return new RaftProtocol("n4", RaftOptions.defaults(), NONE, HardState.INITIAL, new MemoryLog(), 0,
                new SplittableRandom(4));
    }

    @Test
    void neverCampaignsWhileNotAVoter() {
        RaftProtocol p = joining();
        for (int i = 0; i < 200; i++) {
            p.tick();
        }
        assertThat(p.role()).isEqualTo(Role.FOLLOWER);
        assertThat(p.currentTerm()).isZero();
    }

    @Test
    void acceptsTheLeaderItNeverHeardOfAndLearnsTheConfiguration() {
        RaftProtocol p = joining();
        ClusterConfiguration withN4 = new ClusterConfiguration(Set.of("n1", "n2", "n5"), Set.of("n4"), Set.of(),
                Map.of("n5", "h5:5", "n4", "h4:4"));
        p.step(new Message.AppendEntries(3, "n5", "n4", 0, 0,
                List.of(new LogEntry(1, 3, EntryType.CONFIGURATION, withN4.encode())), 0, 0));
        assertThat(p.droppedMessages()).isZero();
        assertThat(p.leaderId()).isEqualTo("n5");
        assertThat(p.configuration()).isEqualTo(withN4);
        // Now a member: a stranger's message that is not a leader's is ignored (and counted) again.
        p.step(new Message.AppendEntriesResponse(3, "stranger", "n4", true, 1, 0, 0, 0, 0));
        assertThat(p.strangerMessages()).isEqualTo(1);
    }
}
