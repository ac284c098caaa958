package io.keelraft.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.Role;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Leadership transfer (thesis §3.10) step by step: an up-to-date target gets TimeoutNow at once and the leader
 * leads until the new term reaches it; a target whose appends were lost is caught up at once; and a leader that
 * gets leadership back holds no lease from its earlier term (thesis §6.4.1). Found by mutation testing
 * (docs/mutation/part-c.md).
 */
class LeadershipTransferEdgesTest {

    private static final List<String> THREE = List.of("n1", "n2", "n3");

    @Test
    void anUpToDateTargetGetsTimeoutNowAloneAndTheLeaderLeadsUntilTheNewTermArrives() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        RaftProtocol n1 = c.node("n1");
        long term = n1.currentTerm();
        assertThat(n1.hasReady()).isFalse();

        assertThat(n1.transferLeadership("n2")).isTrue();

        assertThat(n1.role()).isEqualTo(Role.LEADER);
        assertThat(n1.hasReady()).isTrue();
        Ready r = n1.ready();
        assertThat(r.messages()).containsExactly(new Message.TimeoutNow(term, "n1", "n2"));
        assertThat(n1.role()).isEqualTo(Role.LEADER);

        c.node("n2").step(r.messages().get(0));
        c.settle();
        assertThat(c.node("n2").role()).isEqualTo(Role.LEADER);
        assertThat(n1.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n1.leadershipTransferee()).as("a follower transfers nothing").isNull();
    }

    /**
     * The target's pipelined appends were lost and its window is full: the transfer probes it from its match index
     * at once rather than waiting for the stall detection, which could outlast the transfer's timeout.
     */
    @Test
    void aTargetWhoseAppendsWereLostIsCaughtUpAtOnce() {
        TestCluster c = TestCluster.of(THREE, b -> b.maxInflightAppends(1));
        c.electByTicking("n1");
        RaftProtocol n1 = c.node("n1");
        c.dropWhen(m -> m instanceof Message.AppendEntries ae && ae.to().equals("n2") && !ae.entries().isEmpty());
        long x = n1.propose("x".getBytes()).index();
        c.settle();
        assertThat(n1.commitIndex()).isEqualTo(x);
        assertThat(n1.matchIndexes().get("n2")).isLessThan(x);
        c.dropWhen(m -> false);

        assertThat(n1.transferLeadership("n2")).isTrue();
        c.settle(); // no tick: nothing is resent by a timer

        assertThat(c.node("n2").role()).isEqualTo(Role.LEADER);
        assertThat(c.node("n2").currentTerm()).isEqualTo(n1.currentTerm());
    }

    /**
     * Thesis §6.4.1: a lease is earned by a heartbeat round of the leader's own term. A leader that got leadership
     * back at once (two transfers) must not serve a lease read on the acknowledgements of its earlier term: another
     * leader served in between.
     */
    @Test
    void aLeaderThatGetsLeadershipBackHoldsNoLeaseFromItsEarlierTerm() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        RaftProtocol n1 = c.node("n1");
        c.tickAll(1); // a heartbeat round acknowledged by both followers: n1 holds a lease
        n1.transferLeadership("n2");
        c.settle();
        assertThat(c.node("n2").role()).isEqualTo(Role.LEADER);
        c.node("n2").transferLeadership("n1");
        c.settle();
        assertThat(n1.role()).isEqualTo(Role.LEADER);
        assertThat(n1.term(n1.commitIndex())).as("its no-op is committed").isEqualTo(n1.currentTerm());

        assertThat(n1.readWithLease(7)).isTrue();
        c.drain("n1", n1);
        assertThat(c.reads.get("n1")).as("no lease yet: the read waits for a round").isEmpty();

        c.settle();
        assertThat(c.reads.get("n1")).extracting(ReadState::requestId).containsExactly(7L);
    }
}
