package io.keelraft.core.protocol;

import io.keelraft.core.Role;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Linearizable reads through ReadIndex (thesis §6.4). */
class ReadIndexTest {

    private static final List<String> THREE = List.of("n1", "n2", "n3");

    @Test
    void aReadIsSafeOnceAMajorityConfirmsLeadershipAfterItArrived() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        RaftProtocol leader = c.node("n1");
        ProposeResult w = leader.propose("w".getBytes());
        c.settle();

        assertThat(leader.read(7)).isTrue();
        c.drain("n1", leader); // the round's heartbeats are queued, not delivered
        assertThat(c.reads.get("n1")).isEmpty();
        c.settle();
        assertThat(c.reads.get("n1")).containsExactly(new ReadState(7, w.index()));
    }

    @Test
    void aReadWaitsForTheLeadersFirstCommitInItsTerm() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.isolate("n2");
        c.isolate("n3");
        c.nodes.values().forEach(n -> { });
        RaftProtocol n1 = c.node("n1");
        // Win the election with votes delivered, but keep the no-op from being acknowledged.
        c.reconnect("n2");
        c.dropWhen(m -> m instanceof Message.AppendEntriesResponse);
        c.electByTicking("n1");
        assertThat(n1.role()).isEqualTo(Role.LEADER);
        assertThat(n1.read(1)).isTrue();
        c.settle();
        assertThat(c.reads.get("n1")).as("no entry of this term committed yet").isEmpty();

        c.dropWhen(m -> false);
        c.tick(1, "n1");
        assertThat(n1.commitIndex()).isEqualTo(1);
        assertThat(c.reads.get("n1")).containsExactly(new ReadState(1, 1));
    }

    @Test
    void aDeposedLeaderAbortsItsPendingReads() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        c.isolate("n1");
        RaftProtocol n1 = c.node("n1");
        assertThat(n1.read(5)).isTrue();
        c.tick(25, "n1"); // CheckQuorum deposes it
        assertThat(n1.role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.reads.get("n1")).isEmpty();
        assertThat(c.abortedReads.get("n1")).containsExactly(5L);
    }

    @Test
    void aFollowerRefusesReadsAndNamesTheLeader() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        assertThat(c.node("n2").read(1)).isFalse();
        assertThat(c.node("n2").leaderId()).isEqualTo("n1");
        assertThat(c.node("n2").propose(new byte[0])).isEqualTo(new ProposeResult(false, 0, 0, "n1"));
    }

    @Test
    void readsArrivingTogetherShareOneConfirmationRound() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        RaftProtocol leader = c.node("n1");
        int before = c.delivered.size();
        for (long id = 1; id <= 100; id++) {
            leader.read(id);
        }
        c.settle();
        assertThat(c.reads.get("n1")).hasSize(100);
        assertThat(c.delivered.size() - before).as("one heartbeat and one response per follower").isEqualTo(4);
    }

    @Test
    void aSingleServerConfirmsReadsAtOnce() {
        TestCluster c = TestCluster.of(List.of("solo"), b -> { });
        c.electByTicking("solo");
        c.node("solo").read(3);
        c.settle();
        assertThat(c.reads.get("solo")).containsExactly(new ReadState(3, 1));
    }

    @Test
    void aLeaseReadIsServedWithoutARoundWhileAMajorityRecentlyAcknowledged() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        c.tickAll(1); // a heartbeat round, acknowledged by both followers
        RaftProtocol leader = c.node("n1");
        int before = c.delivered.size();
        assertThat(leader.readWithLease(9)).isTrue();
        c.settle();
        assertThat(c.reads.get("n1")).containsExactly(new ReadState(9, leader.commitIndex()));
        assertThat(c.delivered.size()).as("no extra round trip").isEqualTo(before);
    }

    @Test
    void anExpiredLeaseFallsBackToReadIndex() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        c.tickAll(1);
        c.isolate("n2");
        c.isolate("n3");
        RaftProtocol leader = c.node("n1");
        c.tick(9, "n1"); // nine ticks without acknowledgements: past 90% of the election timeout
        assertThat(leader.role()).isEqualTo(Role.LEADER);
        assertThat(leader.readWithLease(4)).isTrue();
        c.settle();
        assertThat(c.reads.get("n1")).as("waits for a real round").isEmpty();
        c.reconnect("n2");
        c.tick(1, "n1");
        assertThat(c.reads.get("n1")).extracting(ReadState::requestId).containsExactly(4L);
    }

    @Test
    void withoutCheckQuorumThereIsNoLease() {
        TestCluster c = TestCluster.of(THREE, b -> b.checkQuorum(false));
        c.electByTicking("n1");
        c.tickAll(1);
        c.node("n1").readWithLease(1);
        c.drain("n1", c.node("n1"));
        assertThat(c.reads.get("n1")).isEmpty();
    }

    @Test
    void aRestartedFollowerHonoursALeaseItMayHaveAcknowledgedBeforeItCrashed() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        RaftProtocol oldLeader = c.node("n1");
        // n3 stops hearing the leader; n2 keeps acknowledging heartbeat rounds, which renew n1's lease.
        c.dropWhen(m -> m.from().equals("n1") && m.to().equals("n3") || m.from().equals("n3") && m.to().equals("n1"));
        c.tickAll(9);
        // n2 crashes right after acknowledging a round and restarts at once; n1's traffic is lost from now on.
        c.restart("n2");
        c.dropWhen(m -> m.from().equals("n1") || m.to().equals("n1"));
        long request = 100;
        for (int i = 0; i < 40; i++) {
            c.tickAll(1);
            if (c.node("n3").role() == Role.LEADER) {
                c.node("n3").propose(("x=" + i).getBytes());
                c.settle();
            }
            long newestCommit = Math.max(c.node("n2").commitIndex(), c.node("n3").commitIndex());
            int served = c.reads.get("n1").size();
            if (oldLeader.role() == Role.LEADER && oldLeader.readWithLease(request++)) {
                c.drain("n1", oldLeader);
            }
            List<ReadState> fresh = c.reads.get("n1").subList(served, c.reads.get("n1").size());
            assertThat(fresh).allSatisfy(r -> assertThat(r.readIndex())
                    .as("a lease read must reflect every committed write")
                    .isGreaterThanOrEqualTo(newestCommit));
        }
        assertThat(c.node("n3").role()).as("the majority elects a new leader once the lease has run out")
                .isEqualTo(Role.LEADER);
    }
}
