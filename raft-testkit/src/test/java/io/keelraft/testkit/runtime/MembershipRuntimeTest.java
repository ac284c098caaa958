package io.keelraft.testkit.runtime;

import static io.keelraft.testkit.memory.KeyValueStateMachine.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.Role;
import io.keelraft.core.ClusterConfiguration;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** RaftNode's membership calls and leadership transfer on real threads (issue 9). */
class MembershipRuntimeTest {

    private static final List<String> THREE = List.of("n1", "n2", "n3");

    @Test
    void transferLeadershipCompletesWhenTheTargetLeads() throws Exception {
        try (InProcessCluster c = new InProcessCluster(THREE, RaftOptions.builder())) {
            RaftNode leader = c.awaitLeader();
            RaftNode target = c.follower();
            leader.submit(put("k", "v")).get(10, TimeUnit.SECONDS);
            leader.transferLeadership(target.id()).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> target.role() == Role.LEADER);
            assertThat(leader.transferLeadership(leader.id()))
                    .failsWithin(Duration.ofSeconds(5))
                    .withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void demoteThenAddVoterAgainAndRemoveTheLeader() throws Exception {
        try (InProcessCluster c = new InProcessCluster(THREE, RaftOptions.builder())) {
            RaftNode leader = c.awaitLeader();
            RaftNode other = c.follower();
            ClusterConfiguration demoted = leader.changeMembership(new ClusterConfiguration(
                    Set.of(leader.id(), otherVoter(leader, other)), Set.of(other.id()), Set.of()))
                    .get(10, TimeUnit.SECONDS);
            assertThat(demoted.learners()).containsExactly(other.id());
            assertThat(demoted.isJoint()).isFalse();
            leader.submit(put("a", "1")).get(10, TimeUnit.SECONDS);

            ClusterConfiguration back = leader.addVoter(other.id(), null).get(10, TimeUnit.SECONDS);
            assertThat(back.voters()).containsExactlyInAnyOrderElementsOf(THREE);

            assertThatThrownBy(() -> leader.removeServer("n9").get(5, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a member");

            ClusterConfiguration without = leader.removeServer(leader.id()).get(10, TimeUnit.SECONDS);
            assertThat(without.voters()).hasSize(2).doesNotContain(leader.id());
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                RaftNode now = c.leader();
                return now != null && !now.id().equals(leader.id());
            });
            RaftNode next = c.leader();
            next.submit(put("b", "2")).get(10, TimeUnit.SECONDS);
            assertThat(leader.role()).isNotEqualTo(Role.LEADER);
        }
    }

    @Test
    void addingAServerThatNeverCatchesUpAbortsTheChange() throws Exception {
        try (InProcessCluster c = new InProcessCluster(THREE,
                RaftOptions.builder().requestTimeout(Duration.ofSeconds(2)))) {
            RaftNode leader = c.awaitLeader();
            ClusterConfiguration before = leader.configuration().get(5, TimeUnit.SECONDS);
            assertThatThrownBy(() -> leader.addVoter("ghost", "127.0.0.1:1").get(20, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(io.keelraft.core.RaftTimeoutException.class)
                    .hasMessageContaining("catching up ghost").hasMessageContaining("aborted");
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                ClusterConfiguration now = leader.configuration().get(5, TimeUnit.SECONDS);
                return !now.members().contains("ghost") && !now.isJoint();
            });
            assertThat(leader.configuration().get(5, TimeUnit.SECONDS).voters()).isEqualTo(before.voters());
            leader.submit(put("after", "1")).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aLearnerThatNeverCatchesUpIsNotPromotedAndOneChangeRunsAtATime() throws Exception {
        // Without CheckQuorum: once the third voter stops, the leader has no quorum, and with CheckQuorum it would
        // step down after an election timeout (300 ms here) — under load, before the assertions below ran.
        try (InProcessCluster c = new InProcessCluster(THREE,
                RaftOptions.builder().requestTimeout(Duration.ofSeconds(2)).checkQuorum(false))) {
            RaftNode leader = c.awaitLeader();
            RaftNode other = c.follower();
            String third = otherVoter(leader, other);
            leader.changeMembership(new ClusterConfiguration(Set.of(leader.id(), third), Set.of(other.id()),
                    Set.of())).get(10, TimeUnit.SECONDS);
            c.stop(other.id());
            leader.submit(put("a", "1")).get(10, TimeUnit.SECONDS);

            assertThatThrownBy(() -> leader.addVoter(other.id(), null).get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(io.keelraft.core.RaftTimeoutException.class)
                    .hasMessageContaining("catching up " + other.id());
            assertThat(leader.configuration().get(5, TimeUnit.SECONDS).learners()).containsExactly(other.id());

            // A change whose joint configuration cannot commit (the third voter is down) blocks the next one.
            c.stop(third);
            var stuck = leader.changeMembership(new ClusterConfiguration(Set.of(leader.id(), other.id()), Set.of(),
                    Set.of()));
            assertThatThrownBy(() -> leader.removeServer(third).get(5, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("in progress");
            assertThat(stuck).failsWithin(Duration.ofSeconds(5));
        }
    }

    private static String otherVoter(RaftNode leader, RaftNode notThis) {
        for (String id : THREE) {
            if (!id.equals(leader.id()) && !id.equals(notThis.id())) {
                return id;
            }
        }
        throw new AssertionError();
    }
}
