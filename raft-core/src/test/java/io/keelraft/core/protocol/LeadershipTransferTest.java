package io.keelraft.core.protocol;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Leadership transfer (thesis §3.10). */
class LeadershipTransferTest {

    private static final List<String> THREE = List.of("n1", "n2", "n3");

    private static TestCluster threeWithLeaderN1() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        assertThat(c.node("n1").role()).isEqualTo(Role.LEADER);
        return c;
    }

    @Test
    void aLaggingTargetIsCaughtUpFirstThenWinsAtOnce() {
        TestCluster c = threeWithLeaderN1();
        RaftProtocol n1 = c.node("n1");
        c.isolate("n3");
        for (int i = 0; i < 4; i++) {
            n1.propose(("cmd" + i).getBytes());
        }
        ProposeResult last = n1.propose("cmd4".getBytes());
        c.settle();
        assertThat(n1.commitIndex()).isEqualTo(last.index());
        assertThat(c.node("n3").lastIndex()).isLessThan(last.index());
        c.reconnect("n3");
        c.dropWhen(m -> false);
        long term = n1.currentTerm();

        assertThat(n1.transferLeadership("n3")).isTrue();
        assertThat(n1.leadershipTransferee()).isEqualTo("n3");
        ProposeResult refused = n1.propose("during".getBytes());
        assertThat(refused.accepted()).isFalse();
        assertThat(refused.leaderHint()).isEqualTo("n3");
        c.tick(12, "n1"); // the appends lost while n3 was cut off are resent

        RaftProtocol n3 = c.node("n3");
        assertThat(n3.role()).isEqualTo(Role.LEADER);
        assertThat(n3.currentTerm()).isEqualTo(term + 1);
        assertThat(n1.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n1.leaderId()).isEqualTo("n3");
        assertThat(n3.term(last.index())).isEqualTo(last.term());
        // The TimeoutNow left only once n3 acknowledged the leader's last entry.
        int timeoutNow = indexOf(c, m -> m instanceof Message.TimeoutNow);
        int caughtUp = indexOf(c, m -> m instanceof Message.AppendEntriesResponse r && r.from().equals("n3")
                && r.success() && r.matchIndex() >= last.index());
        assertThat(caughtUp).isNotNegative().isLessThan(timeoutNow);
        // The transfer campaign skipped PreVote and carried the transfer flag past n2's lease.
        assertThat(c.delivered).anyMatch(m -> m instanceof Message.RequestVote rv && rv.from().equals("n3")
                && rv.to().equals("n2") && rv.transfer() && !rv.preVote());
    }

    private static int indexOf(TestCluster c, java.util.function.Predicate<Message> p) {
        for (int i = 0; i < c.delivered.size(); i++) {
            if (p.test(c.delivered.get(i))) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void anUpToDateTargetGetsTimeoutNowAtOnce() {
        TestCluster c = threeWithLeaderN1();
        RaftProtocol n1 = c.node("n1");
        n1.transferLeadership("n2");
        c.settle();
        assertThat(c.node("n2").role()).isEqualTo(Role.LEADER);
        assertThat(c.leader().id()).isEqualTo("n2");
    }

    @Test
    void aTransferToADeadTargetAbortsAfterAnElectionTimeoutAndTheLeaderResumes() {
        TestCluster c = threeWithLeaderN1();
        RaftProtocol n1 = c.node("n1");
        c.isolate("n3");
        long term = n1.currentTerm();
        assertThat(n1.transferLeadership("n3")).isTrue();
        c.tick(9, "n1", "n2");
        assertThat(n1.leadershipTransferee()).isEqualTo("n3");
        assertThat(n1.propose("x".getBytes()).accepted()).isFalse();
        c.tick(1, "n1", "n2");
        assertThat(n1.leadershipTransferee()).isNull();
        assertThat(n1.role()).isEqualTo(Role.LEADER);
        assertThat(n1.currentTerm()).isEqualTo(term);
        ProposeResult p = n1.propose("after".getBytes());
        assertThat(p.accepted()).isTrue();
        c.settle();
        assertThat(n1.commitIndex()).isEqualTo(p.index());
    }

    @Test
    void aTransferringLeaderServesNoLeaseReads() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        RaftProtocol n1 = c.node("n1");
        c.tick(2, "n1");
        c.isolate("n2");
        c.isolate("n3");
        assertThat(n1.readWithLease(1)).isTrue();
        c.settle();
        assertThat(c.reads.get("n1")).hasSize(1);
        c.reconnect("n3");
        n1.transferLeadership("n3");
        c.dropWhen(m -> m instanceof Message.TimeoutNow); // it left, but n1 cannot know whether it arrived
        c.settle();
        c.isolate("n3");
        n1.readWithLease(2);
        c.settle();
        assertThat(c.reads.get("n1")).as("no majority confirms, and the lease is not used").hasSize(1);
    }

    @Test
    void badTargetsAreRejected() {
        TestCluster c = threeWithLeaderN1();
        c.join("l1");
        RaftProtocol n1 = c.node("n1");
        n1.changeConfiguration(new ClusterConfiguration(Set.of("n1", "n2", "n3"), Set.of("l1"), Set.of()));
        c.settle();
        assertThatThrownBy(() -> n1.transferLeadership("n1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("itself");
        assertThatThrownBy(() -> n1.transferLeadership("n9")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown server n9");
        assertThatThrownBy(() -> n1.transferLeadership("l1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a voter");
        assertThat(n1.leadershipTransferee()).isNull();
        assertThat(c.node("n2").transferLeadership("n3")).as("not the leader").isFalse();

        c.isolate("n2");
        n1.transferLeadership("n2");
        assertThat(n1.transferLeadership("n2")).as("the same target again").isTrue();
        assertThatThrownBy(() -> n1.transferLeadership("n3")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("transfer to n2 is in progress");
    }

    @Test
    void aLearnerIgnoresTimeoutNow() {
        TestCluster c = threeWithLeaderN1();
        c.join("l1");
        RaftProtocol n1 = c.node("n1");
        n1.changeConfiguration(new ClusterConfiguration(Set.of("n1", "n2", "n3"), Set.of("l1"), Set.of()));
        c.settle();
        RaftProtocol l1 = c.node("l1");
        l1.step(new Message.TimeoutNow(n1.currentTerm(), "n1", "l1"));
        assertThat(l1.role()).isEqualTo(Role.FOLLOWER);
        assertThat(l1.currentTerm()).isEqualTo(n1.currentTerm());
    }
}
