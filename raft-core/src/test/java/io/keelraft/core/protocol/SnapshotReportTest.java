package io.keelraft.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.Role;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The driver reports how a snapshot transfer ended ({@link RaftProtocol#snapshotSendFailed(String, long)}): the
 * follower's term in its answer makes an out-of-date leader step down, as any message of a higher term does.
 */
class SnapshotReportTest {

    @Test
    void aHigherTermInTheFollowersAnswerMakesTheLeaderStepDown() {
        TestCluster c = TestCluster.of(List.of("n1", "n2", "n3"), b -> { });
        c.electByTicking("n1");
        RaftProtocol n1 = c.node("n1");
        long term = n1.currentTerm();

        n1.snapshotSendFailed("n2", term);
        assertThat(n1.role()).as("same term: the transfer just ends").isEqualTo(Role.LEADER);

        n1.snapshotSendFailed("n2", term + 3);
        assertThat(n1.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n1.currentTerm()).isEqualTo(term + 3);
        assertThat(n1.leaderId()).isNull();
    }

    @Test
    void aStrangersTermIsIgnored() {
        TestCluster c = TestCluster.of(List.of("n1", "n2", "n3"), b -> { });
        c.electByTicking("n1");
        RaftProtocol n1 = c.node("n1");
        long term = n1.currentTerm();

        n1.snapshotSendFailed("n9", term + 5);
        assertThat(n1.role()).isEqualTo(Role.LEADER);
        assertThat(n1.currentTerm()).isEqualTo(term);
    }
}
