package io.keelraft.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.Role;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The leader's side of membership changes at the moments that matter (thesis chapter 4): joint consensus is left
 * only once C_old,new itself is committed (§4.3), no change starts during a leadership transfer (§3.10), and a
 * leader outside C_new manages the change until C_new is committed, then tells the followers the commit and hands
 * over — or, if its successor never catches up, just steps down (§4.2.2). Found by mutation testing
 * (docs/mutation/part-c.md).
 */
class MembershipHandOverTest {

    private static final List<String> THREE = List.of("n1", "n2", "n3");
    private static final List<String> FOUR = List.of("n1", "n2", "n3", "n4");

    private static ClusterConfiguration voters(String... ids) {
        return ClusterConfiguration.ofVoters(Set.of(ids));
    }

    private static TestCluster withLeaderN1(List<String> ids, Consumer<RaftOptions.Builder> tune) {
        TestCluster c = TestCluster.of(ids, tune);
        c.electByTicking("n1");
        assertThat(c.node("n1").role()).isEqualTo(Role.LEADER);
        return c;
    }

    /** Thesis §4.3: committing an entry before C_old,new is not committing C_old,new; C_new must wait. */
    @Test
    void theLeaderLeavesJointConsensusOnlyOnceTheJointConfigurationIsCommitted() {
        TestCluster c = withLeaderN1(THREE, b -> b.maxEntriesPerAppend(1));
        RaftProtocol n1 = c.node("n1");
        c.isolate("n4"); // a server being added that is not up yet
        long x = n1.propose("x".getBytes()).index();
        long joint = n1.changeConfiguration(voters("n1", "n2", "n3", "n4")).index();
        assertThat(joint).isEqualTo(x + 1);
        // The followers store both entries, but the leader hears only of x.
        c.dropWhen(m -> m instanceof Message.AppendEntriesResponse r && r.matchIndex() >= joint);

        c.settle();

        assertThat(n1.commitIndex()).isEqualTo(x);
        assertThat(n1.configuration().isJoint()).isTrue();
        assertThat(n1.lastIndex()).as("no C_new yet").isEqualTo(joint);
    }

    /**
     * Thesis §4.1: a configuration is in force as soon as it is appended. Shrinking to C_new = {n1}: once C_old,new
     * commits, C_new is appended, and an entry n1 itself stores is on a majority of C_new, so it commits at once.
     */
    @Test
    void anEntryStoredOnAMajorityOfCNewCommitsAsSoonAsCNewIsAppended() {
        TestCluster c = withLeaderN1(THREE, b -> b.maxEntriesPerAppend(1));
        RaftProtocol n1 = c.node("n1");
        long joint = n1.changeConfiguration(voters("n1")).index();
        long y = n1.propose("y".getBytes()).index();
        Ready r = n1.ready();
        c.logs.get("n1").append(r.entriesToAppend());
        n1.persisted(y, n1.currentTerm());
        // n2 receives and acknowledges the joint entry only.
        Message jointToN2 = r.messages().stream().filter(m -> m.to().equals("n2")).findFirst().orElseThrow();
        assertThat(((Message.AppendEntries) jointToN2).entries()).extracting(LogEntry::index).containsExactly(joint);
        RaftProtocol n2 = c.node("n2");
        n2.step(jointToN2);
        Ready ack = n2.ready();
        c.logs.get("n2").append(ack.entriesToAppend());
        for (Message m : ack.messagesAfterPersist()) {
            n1.step(m);
        }

        assertThat(n1.configuration()).isEqualTo(voters("n1"));
        assertThat(n1.commitIndex()).isEqualTo(y);
    }

    /** Thesis §3.10: while leadership is handed over, the leader takes no new requests, changes included. */
    @Test
    void noConfigurationChangeStartsDuringALeadershipTransfer() {
        TestCluster c = withLeaderN1(THREE, b -> { });
        RaftProtocol n1 = c.node("n1");
        long last = n1.lastIndex();
        assertThat(n1.transferLeadership("n2")).isTrue();

        ProposeResult refused = n1.changeConfiguration(
                new ClusterConfiguration(Set.copyOf(THREE), Set.of("n4"), Set.of()));

        assertThat(refused.accepted()).isFalse();
        assertThat(refused.leaderHint()).isEqualTo("n2");
        assertThat(n1.lastIndex()).isEqualTo(last);
    }

    /**
     * Thesis §4.2.2: once C_new (without the leader) is committed, the leader's last act tells every follower the
     * commit — it will not be the one to tell them later — and only then hands over with TimeoutNow.
     */
    @Test
    void aLeaderThatRemovesItselfTellsTheFollowersTheCommitBeforeHandingOver() {
        TestCluster c = withLeaderN1(THREE, b -> { });
        RaftProtocol n1 = c.node("n1");
        long cNew = n1.lastIndex() + 2;

        n1.changeConfiguration(voters("n2", "n3"));
        c.settle();

        assertThat(n1.role()).isEqualTo(Role.FOLLOWER);
        int timeoutNow = -1;
        for (int i = 0; i < c.delivered.size() && timeoutNow < 0; i++) {
            if (c.delivered.get(i) instanceof Message.TimeoutNow tn && tn.from().equals("n1")) {
                timeoutNow = i;
            }
        }
        assertThat(timeoutNow).isNotNegative();
        for (String follower : List.of("n2", "n3")) {
            assertThat(c.delivered.subList(0, timeoutNow)).as(follower).anyMatch(m ->
                    m instanceof Message.AppendEntries ae && ae.from().equals("n1") && ae.to().equals(follower)
                            && ae.leaderCommit() >= cNew);
        }
    }

    /**
     * Thesis §4.2.2 with §3.10: a leader outside the committed C_new whose chosen successor never catches up does
     * not lead C_new forever: when the hand-over times out after an election timeout it steps down without a
     * TimeoutNow, and C_new elects a leader the ordinary way. Meanwhile it reaches only C_new's servers.
     */
    @Test
    void aLeavingLeaderWhoseSuccessorNeverCatchesUpStepsDownAfterAnElectionTimeout() {
        TestCluster c = withLeaderN1(FOUR, b -> b.electionTimeoutTicks(10));
        RaftProtocol n1 = c.node("n1");
        c.isolate("n4");
        n1.changeConfiguration(voters("n2", "n3", "n4"));
        assertThat(n1.transferLeadership("n4")).isTrue(); // the operator hands over to n4, which is down
        c.settle();
        assertThat(n1.configuration()).isEqualTo(voters("n2", "n3", "n4"));
        assertThat(n1.configurationCommitted()).isTrue();
        assertThat(n1.role()).isEqualTo(Role.LEADER);
        assertThat(n1.serversToReach()).containsExactlyInAnyOrder("n2", "n3", "n4");

        for (int tick = 1; tick < 10; tick++) {
            c.tick(1, "n1");
            assertThat(n1.role()).as("tick %d", tick).isEqualTo(Role.LEADER);
        }
        c.tick(1, "n1");

        assertThat(n1.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n1.leadershipTransferee()).isNull();
        for (int i = 0; i < 100 && c.leader() == null; i++) {
            c.tickAll(1);
        }
        assertThat(c.leader().id()).isIn("n2", "n3");
    }

    /**
     * Thesis §4.2.2: until C_new is committed, a leader outside it still manages the change, so a transfer the
     * operator asks for meanwhile is an ordinary one: TimeoutNow leaves and the leader leads until the new term.
     */
    @Test
    void aLeaderOutsideAnUncommittedCNewHandsOverLikeAnyLeader() {
        TestCluster c = withLeaderN1(FOUR, b -> { });
        RaftProtocol n1 = c.node("n1");
        long cNew = n1.lastIndex() + 2;
        // Only n2 acknowledges C_new: one of the three voters of C_new, not a majority.
        c.dropWhen(m -> m instanceof Message.AppendEntriesResponse r && !r.from().equals("n2")
                && r.matchIndex() >= cNew);
        n1.changeConfiguration(voters("n2", "n3", "n4"));
        c.settle();
        assertThat(n1.lastIndex()).isEqualTo(cNew);
        assertThat(n1.configurationCommitted()).isFalse();
        assertThat(n1.matchIndexes().get("n2")).isEqualTo(cNew);

        assertThat(n1.transferLeadership("n2")).isTrue();

        assertThat(n1.role()).isEqualTo(Role.LEADER);
        assertThat(n1.ready().messages()).containsExactly(new Message.TimeoutNow(n1.currentTerm(), "n1", "n2"));
    }
}
