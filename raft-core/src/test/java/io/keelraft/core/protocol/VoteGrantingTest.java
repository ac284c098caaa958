package io.keelraft.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.RaftOptions;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Whom a server grants its vote (paper §5.2, §5.4.1) and its pre-vote (thesis §9.6): once per term, again to the
 * same candidate, not while it follows a leader of the term, a pre-vote only for a later term and without
 * recording anything. Found by mutation testing (docs/mutation/part-c.md). CheckQuorum is off so that the lease
 * (tested in CheckQuorumTest) does not hide these rules.
 */
class VoteGrantingTest {

    private static final ClusterConfiguration THREE_VOTERS = ClusterConfiguration.ofVoters(Set.of("n1", "n2", "n3"));

    private static RaftProtocol voter(MemoryLog log, HardState hardState) {
        RaftOptions options = TestCluster.ticks().checkQuorum(false).build();
        return new RaftProtocol("n2", options, THREE_VOTERS, hardState, log, 0, new SplittableRandom(11));
    }

    private static List<Boolean> answers(RaftProtocol p) {
        return p.ready().messagesAfterPersist().stream()
                .map(m -> ((Message.RequestVoteResponse) m).granted()).toList();
    }

    /** Paper §5.2: the candidate it voted for may ask again (its request or the answer was lost); nobody else. */
    @Test
    void theVoteOfATermGoesToOneCandidateAndIsGivenToItAgain() {
        RaftProtocol n2 = voter(MemoryLog.withTerms(1), new HardState(1, null));

        n2.step(new Message.RequestVote(2, "n1", "n2", 1, 1, false));
        n2.step(new Message.RequestVote(2, "n1", "n2", 1, 1, false));
        n2.step(new Message.RequestVote(2, "n3", "n2", 1, 1, false));

        assertThat(answers(n2)).containsExactly(true, true, false);
        assertThat(n2.votedFor()).isEqualTo("n1");
    }

    /** A refused candidate is not remembered as the vote: a later, up-to-date candidate of the term gets it. */
    @Test
    void aRefusedCandidateDoesNotTakeTheVote() {
        RaftProtocol n2 = voter(MemoryLog.withTerms(1, 2), new HardState(2, null));

        n2.step(new Message.RequestVote(3, "n3", "n2", 1, 1, false)); // §5.4.1: its log is behind
        assertThat(n2.votedFor()).isNull();
        n2.step(new Message.RequestVote(3, "n1", "n2", 2, 2, false));

        assertThat(answers(n2)).containsExactly(false, true);
        assertThat(n2.votedFor()).isEqualTo("n1");
    }

    /** A follower that knows the leader of its term does not vote for another candidate of that term. */
    @Test
    void aFollowerOfTheTermsLeaderRefusesAnotherCandidateOfTheTerm() {
        RaftProtocol n2 = voter(MemoryLog.withTerms(1), new HardState(1, null));
        n2.step(new Message.AppendEntries(2, "n1", "n2", 1, 1, List.of(), 0, 0));
        n2.ready();
        assertThat(n2.votedFor()).isNull();

        n2.step(new Message.RequestVote(2, "n3", "n2", 1, 1, false));

        assertThat(answers(n2)).containsExactly(false);
        assertThat(n2.votedFor()).isNull();
    }

    /**
     * Thesis §9.6: a pre-vote is granted for a later term even while following a leader, answers in the term asked
     * about, and changes nothing: no term, no vote, nothing to save.
     */
    @Test
    void aPreVoteForALaterTermIsGrantedWithoutRecordingAnything() {
        RaftProtocol n2 = voter(MemoryLog.withTerms(1), new HardState(1, null));
        n2.step(new Message.AppendEntries(2, "n1", "n2", 1, 1, List.of(), 0, 0));
        n2.ready();

        n2.step(new Message.RequestVote(3, "n3", "n2", 1, 1, true));

        Ready r = n2.ready();
        assertThat(r.messagesAfterPersist()).containsExactly(
                new Message.RequestVoteResponse(3, "n2", "n3", true, true));
        assertThat(r.hardState()).isNull();
        assertThat(n2.votedFor()).isNull();
        assertThat(n2.currentTerm()).isEqualTo(2);
        assertThat(n2.leaderId()).isEqualTo("n1");
    }

    /**
     * A pre-vote for the term this server is in is refused when it follows a leader of that term (that election is
     * over), and a refused pre-vote answers in the voter's term: answering in the higher term asked about would
     * push the pre-candidate into that term, the disruption PreVote exists to prevent.
     */
    @Test
    void aPreVoteIsRefusedForTheCurrentTermAndRefusalsCarryTheVotersTerm() {
        RaftProtocol n2 = voter(MemoryLog.withTerms(1), new HardState(1, null));
        n2.step(new Message.AppendEntries(2, "n1", "n2", 1, 1, List.of(), 0, 0));
        n2.ready();

        n2.step(new Message.RequestVote(2, "n3", "n2", 1, 1, true));
        n2.step(new Message.RequestVote(3, "n3", "n2", 0, 0, true)); // §5.4.1: an empty log is behind

        assertThat(n2.ready().messagesAfterPersist()).containsExactly(
                new Message.RequestVoteResponse(2, "n2", "n3", false, true),
                new Message.RequestVoteResponse(2, "n2", "n3", false, true));
    }

    /**
     * A restart whose log ends in the saved term keeps the saved vote (only a log term above the saved one means
     * the vote is unknown): nothing to save again, and the vote still binds.
     */
    @Test
    void aRestartWithALogOfTheSavedTermKeepsTheVote() {
        RaftProtocol n2 = voter(MemoryLog.withTerms(1, 2), new HardState(2, "n1"));

        assertThat(n2.currentTerm()).isEqualTo(2);
        assertThat(n2.votedFor()).isEqualTo("n1");
        assertThat(n2.ready().hardState()).isNull();
    }
}
