package io.keelraft.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.Role;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * When the driver reports that a snapshot did not reach a follower, together with the term of the follower's
 * answer ({@link RaftProtocol#snapshotSendFailed(String, long)}), a leader still in that term sends the snapshot
 * again at the next heartbeat rather than after the stall limit of ten election timeouts (thesis §5.3: a follower
 * that needs compacted entries gets the snapshot). Found by mutation testing (docs/mutation/part-c.md).
 */
class SnapshotFailureReportTest {

    @Test
    void aFailedTransferReportedWithTheLeadersTermIsRetriedAtTheNextHeartbeat() {
        TestCluster c = TestCluster.of(List.of("n1", "n2", "n3"), b -> b.electionTimeoutTicks(10));
        c.electByTicking("n1");
        RaftProtocol leader = c.node("n1");
        c.isolate("n3");
        for (int i = 0; i < 5; i++) {
            leader.propose(("c" + i).getBytes());
        }
        c.settle();
        c.tickAll(1);
        c.snapshotAndCompact("n1", 0);
        List<Message> snapshots = new ArrayList<>();
        c.dropWhen(m -> m instanceof Message.InstallSnapshot && snapshots.add(m)); // every transfer fails
        c.reconnect("n3");
        for (int i = 0; i < 20 && snapshots.isEmpty(); i++) {
            c.tickAll(1);
        }
        assertThat(snapshots).hasSize(1);

        leader.snapshotSendFailed("n3", leader.currentTerm());
        c.tickAll(1);

        assertThat(leader.role()).isEqualTo(Role.LEADER);
        assertThat(snapshots).as("sent again at the next heartbeat").hasSize(2);
    }
}
