package io.keelraft.core.protocol;

import static io.keelraft.core.protocol.FlowControlTest.settled;
import static io.keelraft.core.protocol.LeaderBench.appendsTo;
import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The leader's per-follower progress (paper Figure 2's nextIndex and matchIndex) across the events that reshape
 * it: a committed configuration that removes a server, stepping down, and a leadership transfer that must catch
 * its target up at once (found by mutation testing, docs/mutation/part-b.md).
 */
class LeaderProgressTest {

    @Test
    void aCommittedRemovalTellsTheRemovedServerAndKeepsTheOthersProgress() {
        LeaderBench h = settled(TestCluster.ticks());
        assertThat(h.n1.changeConfiguration(ClusterConfiguration.ofVoters(Set.of("n1", "n2"))).accepted()).isTrue();
        h.ready(); // C_old,new at 2
        h.n1.step(h.ack("n2", 2)); // commits the joint configuration; the leader appends C_new at 3
        h.ready();
        h.n1.step(h.ack("n2", 3)); // commits C_new, which no longer has n3
        assertThat(h.n1.commitIndex()).isEqualTo(3);
        assertThat(h.n1.matchIndexes()).as("n2's progress is kept; n3's is gone; the leader has none of its own")
                .isEqualTo(Map.of("n2", 3L));
        // Thesis §4.2.3 (best effort): a last heartbeat tells n3 the commit of the configuration without it, so
        // it knows it is out and does not campaign.
        assertThat(appendsTo("n3", h.ready())).singleElement()
                .satisfies(a -> assertThat(a.leaderCommit()).isEqualTo(3));
    }

    @Test
    void aLeaderLeavingTheConfigurationHandsOverToTheMostCaughtUpVoter() {
        LeaderBench h = new LeaderBench(Set.of("n1", "n2", "n3", "n4"), TestCluster.ticks());
        h.ready();
        for (String peer : new String[] {"n2", "n3", "n4"}) {
            h.n1.step(h.ack(peer, 1));
        }
        h.ready();
        assertThat(h.n1.changeConfiguration(ClusterConfiguration.ofVoters(Set.of("n2", "n3", "n4"))).accepted())
                .isTrue();
        h.ready(); // C_old,new at 2
        h.n1.step(h.ack("n2", 2));
        h.n1.step(h.ack("n3", 2)); // the joint configuration commits; C_new follows at 3
        h.ready();
        h.propose(1); // 4: the leader still leads until C_new commits
        h.ready();
        h.n1.step(h.ack("n3", 4)); // n3 holds everything
        h.n1.step(h.ack("n2", 3)); // commits C_new; n2 lacks 4, n4 lacks 2..4
        assertThat(h.n1.commitIndex()).isEqualTo(3);
        // Thesis §4.2.2 with §3.10: it hands over to the voter of C_new that can win at once, n3.
        assertThat(h.ready().messages()).filteredOn(m -> m instanceof Message.TimeoutNow).singleElement()
                .satisfies(m -> assertThat(m.to()).isEqualTo("n3"));
        assertThat(h.n1.role()).isEqualTo(Role.FOLLOWER);
    }

    @Test
    void aDeposedLeaderReportsNoMatchIndexes() {
        LeaderBench h = settled(TestCluster.ticks());
        assertThat(h.n1.matchIndexes()).isEqualTo(Map.of("n2", 1L, "n3", 1L));
        h.n1.step(new Message.AppendEntries(h.term() + 1, "n2", "n1", 0, 0, java.util.List.of(), 0, 0));
        assertThat(h.n1.role()).isEqualTo(Role.FOLLOWER);
        assertThat(h.n1.matchIndexes()).as("leader state is volatile (paper Figure 2)").isEmpty();
    }

    @Test
    void aTransferCatchesUpATargetWhoseAppendsWereLostAtOnce() {
        // Thesis §3.10: the target is brought up to date first; waiting for the stall detection could outlast
        // the transfer's timeout, so the leader probes it again from its matchIndex.
        LeaderBench h = settled(TestCluster.ticks().maxInflightAppends(1));
        h.propose(1); // 2
        h.ready(); // n3's append of 2 is lost, and fills its window
        h.n1.step(h.ack("n2", 2));
        h.ready();
        assertThat(h.n1.transferLeadership("n3")).isTrue();
        assertThat(appendsTo("n3", h.ready())).singleElement().satisfies(a -> {
            assertThat(a.prevLogIndex()).isEqualTo(1);
            assertThat(a.entries()).extracting(LogEntry::index).containsExactly(2L);
        });
        h.n1.step(h.ack("n3", 2)); // caught up: TimeoutNow
        assertThat(h.ready().messages()).filteredOn(m -> m instanceof Message.TimeoutNow).singleElement()
                .satisfies(m -> assertThat(m.to()).isEqualTo("n3"));
    }

    @Test
    void aTransferToAFollowerBeingProbedWaitsForItsAnswer() {
        LeaderBench h = new LeaderBench(Set.of("n1", "n2", "n3"), TestCluster.ticks());
        h.ready(); // the no-op's probes
        h.n1.step(h.ack("n2", 1));
        h.ready();
        // n3 has not answered its probe: the transfer sends nothing more while it is outstanding.
        assertThat(h.n1.transferLeadership("n3")).isTrue();
        assertThat(appendsTo("n3", h.ready())).isEmpty();
        h.n1.step(h.ack("n3", 1));
        assertThat(h.ready().messages()).filteredOn(m -> m instanceof Message.TimeoutNow).hasSize(1);
    }
}
