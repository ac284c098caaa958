package io.keelraft.core.protocol;

import io.keelraft.core.Role;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How a leader watches a snapshot on its way to a follower: a transfer that shows no progress for ten election
 * timeouts is given up and the snapshot sent again; the driver's progress reports keep a slow one alive.
 * (Found by mutation testing, docs/MUTATION.md: nothing checked the stall limit or the progress reports.)
 */
class SnapshotTransferTest {

    private static final List<String> THREE = List.of("n1", "n2", "n3");
    private static final int ELECTION_TIMEOUT = 10;

    /** n1 leads, n3 missed entries that n1 then compacted away; every InstallSnapshot is lost on the way. */
    private static TestCluster followerNeedingASnapshot(List<Long> attemptRounds, long[] round) {
        TestCluster c = TestCluster.of(THREE, b -> b.electionTimeoutTicks(ELECTION_TIMEOUT));
        c.electByTicking("n1");
        RaftProtocol leader = c.node("n1");
        c.isolate("n3");
        for (int i = 0; i < 10; i++) {
            assertThat(leader.propose(("c" + i).getBytes()).accepted()).isTrue();
        }
        c.settle();
        c.tickAll(1);
        c.snapshotAndCompact("n1", 0);
        c.dropWhen(m -> {
            if (m instanceof Message.InstallSnapshot) {
                attemptRounds.add(round[0]);
                return true;
            }
            return false;
        });
        c.reconnect("n3");
        return c;
    }

    @Test
    void aTransferWithoutProgressIsRetriedAfterTenElectionTimeouts() {
        List<Long> attempts = new ArrayList<>();
        long[] round = {0};
        TestCluster c = followerNeedingASnapshot(attempts, round);
        while (attempts.size() < 3 && round[0] < 1_000) {
            round[0]++;
            c.tickAll(1);
        }
        assertThat(attempts).hasSize(3);
        assertThat(attempts.get(1) - attempts.get(0)).as("ticks between two attempts")
                .isEqualTo(10L * ELECTION_TIMEOUT);
        assertThat(attempts.get(2) - attempts.get(1)).isEqualTo(10L * ELECTION_TIMEOUT);
        assertThat(c.node("n1").role()).isEqualTo(Role.LEADER);
    }

    @Test
    void progressReportsKeepASlowTransferAlive() {
        List<Long> attempts = new ArrayList<>();
        long[] round = {0};
        TestCluster c = followerNeedingASnapshot(attempts, round);
        RaftProtocol leader = c.node("n1");
        while (attempts.isEmpty() && round[0] < 1_000) {
            round[0]++;
            c.tickAll(1);
        }
        assertThat(attempts).hasSize(1);
        long lastReport = 0;
        for (int i = 1; i <= 30 * ELECTION_TIMEOUT; i++) {
            round[0]++;
            c.tickAll(1);
            if (i % (5 * ELECTION_TIMEOUT) == 0) {
                leader.snapshotSendProgressed("n3"); // a chunk arrived: the transfer is alive
                lastReport = round[0];
            }
        }
        assertThat(attempts).as("the snapshot is not sent again while its transfer progresses").hasSize(1);

        // Once the reports stop, the transfer is given up ten election timeouts after the last one.
        while (attempts.size() < 2 && round[0] < 2_000) {
            round[0]++;
            c.tickAll(1);
        }
        assertThat(attempts).hasSize(2);
        assertThat(attempts.get(1) - lastReport).isEqualTo(10L * ELECTION_TIMEOUT);
    }

    @Test
    void progressAndFailureReportsForAFollowerThatIsNotReceivingASnapshotChangeNothing() {
        TestCluster c = TestCluster.of(THREE, b -> b.electionTimeoutTicks(ELECTION_TIMEOUT));
        c.electByTicking("n1");
        RaftProtocol leader = c.node("n1");
        leader.propose("x".getBytes());
        c.settle();
        leader.snapshotSendProgressed("n2");
        leader.snapshotSendFailed("n2");
        leader.snapshotSendProgressed("unknown");
        leader.snapshotSendFailed("unknown");
        c.node("n2").snapshotSendProgressed("n3"); // not a leader
        c.node("n2").snapshotSendFailed("n3");
        assertThat(leader.hasReady()).isFalse();
        leader.propose("y".getBytes());
        c.settle();
        assertThat(c.node("n2").commitIndex()).isEqualTo(leader.commitIndex());
        assertThat(c.node("n3").commitIndex()).isEqualTo(leader.commitIndex());
    }
}
