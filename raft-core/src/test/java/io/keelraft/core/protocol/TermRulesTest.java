package io.keelraft.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.Role;
import io.keelraft.core.SnapshotMeta;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * How a server settles the term of every message before its role sees it (paper §5.1): stale requests are
 * refused with the current term, a higher term makes any server a follower (knowing the leader only when the
 * message comes from one), and messages of servers outside every known configuration are ignored unless they
 * come from the leader of this term (thesis §4.2.3). Found by mutation testing (docs/mutation/part-c.md).
 */
class TermRulesTest {

    private static final List<String> THREE = List.of("n1", "n2", "n3");
    private static final ClusterConfiguration THREE_VOTERS = ClusterConfiguration.ofVoters(Set.copyOf(THREE));

    private static RaftProtocol server(String id, RaftOptions.Builder options, ClusterConfiguration configuration,
                                       MemoryLog log, HardState hardState) {
        return new RaftProtocol(id, options.build(), configuration, hardState, log, 0, new SplittableRandom(5));
    }

    private static TestCluster threeWithLeaderN1() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        assertThat(c.node("n1").role()).isEqualTo(Role.LEADER);
        return c;
    }

    /** Paper §5.1: a stale InstallSnapshot is refused with the current term, so its sender learns it is deposed. */
    @Test
    void aStaleInstallSnapshotIsRefusedWithTheCurrentTerm() {
        RaftProtocol n2 = server("n2", TestCluster.ticks(), THREE_VOTERS, MemoryLog.withTerms(1, 1),
                new HardState(3, null));

        n2.step(new Message.InstallSnapshot(2, "n1", "n2", new SnapshotMeta(5, 2, THREE_VOTERS)));

        Ready r = n2.ready();
        assertThat(r.snapshotToRestore()).isNull();
        assertThat(r.messagesAfterPersist()).containsExactly(
                new Message.AppendEntriesResponse(3, "n2", "n1", false, 0, 0, 0, 0, 0));
        assertThat(n2.lastIndex()).isEqualTo(2);
        assertThat(n2.currentTerm()).isEqualTo(3);
    }

    /** Paper §5.1: stale vote and pre-vote requests are refused with the current term, never granted. */
    @Test
    void aStaleVoteRequestIsRefusedWithTheCurrentTerm() {
        RaftProtocol n2 = server("n2", TestCluster.ticks(), THREE_VOTERS, MemoryLog.withTerms(1),
                new HardState(3, null));

        n2.step(new Message.RequestVote(2, "n1", "n2", 5, 1, false));
        n2.step(new Message.RequestVote(2, "n3", "n2", 5, 1, true));

        assertThat(n2.ready().messagesAfterPersist()).containsExactly(
                new Message.RequestVoteResponse(3, "n2", "n1", false, false),
                new Message.RequestVoteResponse(3, "n2", "n3", false, true));
        assertThat(n2.votedFor()).isNull();
    }

    /**
     * Paper §5.1: a response of a higher term deposes the leader. A response comes from a follower, not a leader,
     * so the deposed leader knows no leader of the new term; and it has no leader state left.
     */
    @Test
    void aHigherTermInAResponseDeposesTheLeaderWhichThenKnowsNoLeader() {
        for (Message response : List.of(
                new Message.AppendEntriesResponse(3, "n2", "n1", false, 0, 0, 0, 0, 0),
                new Message.RequestVoteResponse(3, "n2", "n1", false, false),
                new Message.RequestVoteResponse(3, "n2", "n1", false, true),
                // Only a granted pre-vote is answered in a term the voter is not in; any other answer's term counts.
                new Message.RequestVoteResponse(3, "n2", "n1", true, false))) {
            TestCluster c = threeWithLeaderN1();
            RaftProtocol n1 = c.node("n1");
            assertThat(n1.matchIndexes()).containsOnlyKeys("n2", "n3");

            n1.step(response);

            assertThat(n1.role()).as(response.toString()).isEqualTo(Role.FOLLOWER);
            assertThat(n1.currentTerm()).isEqualTo(3);
            assertThat(n1.leaderId()).as(response.toString()).isNull();
            assertThat(n1.matchIndexes()).as("matchIndex is leader state").isEmpty();
        }
    }

    /**
     * A TimeoutNow of a higher term comes from the leader of that term: a server that may not campaign (a learner)
     * does not start an election, but it knows whom to follow.
     */
    @Test
    void aServerThatCannotCampaignFollowsTheSenderOfAHigherTermTimeoutNow() {
        ClusterConfiguration withLearner = new ClusterConfiguration(Set.copyOf(THREE), Set.of("n4"), Set.of());
        RaftProtocol n4 = server("n4", TestCluster.ticks(), withLearner, MemoryLog.withTerms(1),
                new HardState(1, null));

        n4.step(new Message.TimeoutNow(3, "n1", "n4"));

        assertThat(n4.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n4.currentTerm()).isEqualTo(3);
        assertThat(n4.leaderId()).isEqualTo("n1");
    }

    /**
     * Thesis §4.2.3: a server in no configuration this server knows is ignored (its term is not adopted); the one
     * exception is the TimeoutNow of the leader of this very term that has just removed itself.
     */
    @Test
    void aStrangersTimeoutNowCountsOnlyFromTheLeaderOfThisTerm() {
        ClusterConfiguration withoutN1 = ClusterConfiguration.ofVoters(Set.of("n2", "n3", "n4"));
        RaftProtocol n2 = server("n2", TestCluster.ticks(), withoutN1, new MemoryLog(), HardState.INITIAL);
        // n1 leads term 2 in a configuration n2 has not received yet: its appends are taken.
        n2.step(new Message.AppendEntries(2, "n1", "n2", 0, 0,
                List.of(new LogEntry(1, 2, EntryType.COMMAND, new byte[] {1})), 0, 0));
        assertThat(n2.leaderId()).isEqualTo("n1");
        n2.ready();
        assertThat(n2.serversToReach()).as("the leader is reached although it is in no known configuration")
                .containsExactlyInAnyOrder("n1", "n2", "n3", "n4");

        n2.step(new Message.TimeoutNow(2, "n9", "n2")); // a stranger that does not lead this term
        n2.step(new Message.TimeoutNow(3, "n1", "n2")); // the leader, but of a term it does not lead
        n2.step(new Message.RequestVote(2, "n1", "n2", 0, 0, false)); // the leader, but not a TimeoutNow
        assertThat(n2.strangerMessages()).isEqualTo(3);
        assertThat(n2.ready().messagesAfterPersist()).as("nothing answered").isEmpty();
        assertThat(n2.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n2.currentTerm()).isEqualTo(2);

        n2.step(new Message.TimeoutNow(2, "n1", "n2"));
        assertThat(n2.role()).isEqualTo(Role.CANDIDATE);
        assertThat(n2.currentTerm()).isEqualTo(3);
        assertThat(n2.serversToReach()).as("a new term forgets the old leader")
                .containsExactlyInAnyOrder("n2", "n3", "n4");
    }

    /** Paper §5.2: one vote per term; the leader voted for itself, so a candidate of its own term is refused. */
    @Test
    void aLeaderRefusesAVoteInItsOwnTerm() {
        TestCluster c = threeWithLeaderN1();
        RaftProtocol n1 = c.node("n1");
        long term = n1.currentTerm();

        n1.step(new Message.RequestVote(term, "n3", "n1", 0, 0, false));

        assertThat(n1.ready().messagesAfterPersist()).containsExactly(
                new Message.RequestVoteResponse(term, "n1", "n3", false, false));
        assertThat(n1.role()).isEqualTo(Role.LEADER);
    }

    /**
     * A follower that knows no leader of its term learns it from an InstallSnapshot too, not only from
     * AppendEntries (paper Figure 13: the snapshot comes from the leader).
     */
    @Test
    void anInstallSnapshotNamesTheLeaderOfTheTerm() {
        RaftProtocol n2 = server("n2", TestCluster.ticks(), THREE_VOTERS, MemoryLog.withTerms(1),
                new HardState(2, null));
        assertThat(n2.leaderId()).isNull();

        n2.step(new Message.InstallSnapshot(2, "n1", "n2", new SnapshotMeta(5, 2, THREE_VOTERS)));

        assertThat(n2.leaderId()).isEqualTo("n1");
        assertThat(n2.ready().snapshotToRestore()).isEqualTo(new SnapshotMeta(5, 2, THREE_VOTERS));
    }

    @Test
    void aServerNeedsAnId() {
        assertThatThrownBy(() -> server(" ", TestCluster.ticks(), THREE_VOTERS, new MemoryLog(), HardState.INITIAL))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
