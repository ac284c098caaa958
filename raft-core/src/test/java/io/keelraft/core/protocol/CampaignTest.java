package io.keelraft.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.Role;
import io.keelraft.core.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The (pre-)candidate (paper §5.2, thesis §9.6): which answers it counts, what it does when it hears the leader
 * of its term, when a single voter may lead (only once its own vote is durable), and who never campaigns. Found by
 * mutation testing (docs/mutation/part-c.md).
 */
class CampaignTest {

    private static final ClusterConfiguration THREE_VOTERS = ClusterConfiguration.ofVoters(Set.of("n1", "n2", "n3"));
    private static final ClusterConfiguration SOLO = ClusterConfiguration.ofVoters(Set.of("solo"));

    private static RaftProtocol server(String id, RaftOptions.Builder options, ClusterConfiguration configuration,
                                       MemoryLog log, HardState hardState) {
        return new RaftProtocol(id, options.build(), configuration, hardState, log, 0, new SplittableRandom(13));
    }

    /** Ticks a server whose messages go nowhere until it has {@code role}; its hard states are not reported. */
    private static void tickUntil(RaftProtocol p, Role role) {
        for (int i = 0; i < 100 && p.role() != role; i++) {
            p.tick();
        }
        assertThat(p.role()).isEqualTo(role);
    }

    private static List<Message> sent(Ready r) {
        List<Message> all = new ArrayList<>(r.messages());
        all.addAll(r.messagesAfterPersist());
        return all;
    }

    /** Paper §5.2: an AppendEntries of its term means another server won; the candidate follows and takes it. */
    @Test
    void aCandidateTakesTheEntriesOfTheLeaderOfItsTerm() {
        RaftProtocol n2 = server("n2", TestCluster.ticks().preVote(false), THREE_VOTERS, MemoryLog.withTerms(1),
                new HardState(1, null));
        tickUntil(n2, Role.CANDIDATE);
        n2.ready();
        LogEntry entry = new LogEntry(2, 2, EntryType.COMMAND, new byte[] {7});

        n2.step(new Message.AppendEntries(2, "n1", "n2", 1, 1, List.of(entry), 2, 0));

        Ready r = n2.ready();
        assertThat(n2.role()).isEqualTo(Role.FOLLOWER);
        assertThat(r.entriesToAppend()).extracting(LogEntry::index, LogEntry::term)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, 2L));
        assertThat(n2.commitIndex()).isEqualTo(2);
        assertThat(r.messagesAfterPersist()).containsExactly(
                new Message.AppendEntriesResponse(2, "n2", "n1", true, 2, 0, 0, 0, 0));
    }

    /** Paper Figure 13: a pre-candidate that receives the leader's snapshot follows and installs it. */
    @Test
    void aPreCandidateInstallsTheSnapshotOfTheLeader() {
        RaftProtocol n2 = server("n2", TestCluster.ticks(), THREE_VOTERS, MemoryLog.withTerms(1),
                new HardState(1, null));
        tickUntil(n2, Role.PRE_CANDIDATE);
        n2.ready();
        SnapshotMeta snapshot = new SnapshotMeta(5, 1, THREE_VOTERS);

        n2.step(new Message.InstallSnapshot(1, "n1", "n2", snapshot));

        Ready r = n2.ready();
        assertThat(n2.role()).isEqualTo(Role.FOLLOWER);
        assertThat(r.snapshotToRestore()).isEqualTo(snapshot);
        assertThat(r.messagesAfterPersist()).containsExactly(
                new Message.AppendEntriesResponse(1, "n2", "n1", true, 5, 0, 0, 0, 0));
    }

    /**
     * Thesis §3.10: the target of a leadership transfer whose own election timer has just fired (it is a
     * pre-candidate of the leader's term) still campaigns at once on TimeoutNow, skipping PreVote.
     */
    @Test
    void aPreCandidateThatReceivesTimeoutNowCampaignsAtOnce() {
        RaftProtocol n2 = server("n2", TestCluster.ticks(), THREE_VOTERS, MemoryLog.withTerms(1),
                new HardState(1, null));
        tickUntil(n2, Role.PRE_CANDIDATE);
        n2.ready();

        n2.step(new Message.TimeoutNow(1, "n1", "n2"));

        assertThat(n2.role()).isEqualTo(Role.CANDIDATE);
        assertThat(n2.currentTerm()).isEqualTo(2);
        assertThat(sent(n2.ready())).containsExactlyInAnyOrder(
                new Message.RequestVote(2, "n2", "n1", 1, 1, false, true),
                new Message.RequestVote(2, "n2", "n3", 1, 1, false, true));
    }

    /**
     * Thesis §9.6: a pre-vote is not a vote. A pre-vote granted late, after the pre-election was won, must not
     * count in the real election (it would make a leader that n3 never voted for).
     */
    @Test
    void aCandidateDoesNotCountALatePreVote() {
        RaftProtocol n1 = server("n1", TestCluster.ticks(), THREE_VOTERS, MemoryLog.withTerms(1),
                new HardState(1, null));
        tickUntil(n1, Role.PRE_CANDIDATE);
        n1.step(new Message.RequestVoteResponse(2, "n2", "n1", true, true));
        assertThat(n1.role()).isEqualTo(Role.CANDIDATE);
        assertThat(n1.currentTerm()).isEqualTo(2);

        n1.step(new Message.RequestVoteResponse(2, "n3", "n1", true, true));
        assertThat(n1.role()).isEqualTo(Role.CANDIDATE);

        n1.step(new Message.RequestVoteResponse(2, "n3", "n1", true, false));
        assertThat(n1.role()).isEqualTo(Role.LEADER);
    }

    /**
     * Thesis §9.6: a pre-candidate counts only pre-votes. A real vote of its term, granted late to the election it
     * ran earlier in that term, says nothing about whether it could win the next one.
     */
    @Test
    void aPreCandidateDoesNotCountALateRealVote() {
        RaftProtocol n1 = server("n1", TestCluster.ticks(), THREE_VOTERS, MemoryLog.withTerms(1),
                new HardState(1, null));
        tickUntil(n1, Role.PRE_CANDIDATE);
        n1.step(new Message.RequestVoteResponse(2, "n2", "n1", true, true));
        assertThat(n1.role()).isEqualTo(Role.CANDIDATE);
        tickUntil(n1, Role.PRE_CANDIDATE); // that election of term 2 timed out
        assertThat(n1.currentTerm()).isEqualTo(2);

        n1.step(new Message.RequestVoteResponse(2, "n3", "n1", true, false));
        assertThat(n1.role()).isEqualTo(Role.PRE_CANDIDATE);
        assertThat(n1.currentTerm()).isEqualTo(2);

        n1.step(new Message.RequestVoteResponse(3, "n3", "n1", true, true));
        assertThat(n1.role()).isEqualTo(Role.CANDIDATE);
        assertThat(n1.currentTerm()).isEqualTo(3);
    }

    /**
     * Other voters' votes answer RequestVotes that left only once the candidate's own vote was durable, so a
     * candidate they elect leads at once, even if the driver has not reported that write yet.
     */
    @Test
    void aCandidateElectedByOthersLeadsWithoutWaitingForTheReportOfItsOwnVote() {
        RaftProtocol n1 = server("n1", TestCluster.ticks().preVote(false), THREE_VOTERS, MemoryLog.withTerms(1),
                new HardState(1, null));
        tickUntil(n1, Role.CANDIDATE);
        assertThat(n1.ready().hardState()).isEqualTo(new HardState(2, "n1")); // not reported durable

        n1.step(new Message.RequestVoteResponse(2, "n2", "n1", true, false));

        assertThat(n1.role()).isEqualTo(Role.LEADER);
    }

    /**
     * A single voter wins by its own vote, but leads only once that vote is durable: before, a crash could let it
     * vote again in the term (Election Safety, paper §5.2).
     */
    @Test
    void aSingleVoterLeadsOnlyOnceItsOwnVoteIsDurable() {
        RaftProtocol solo = server("solo", TestCluster.ticks(), SOLO, new MemoryLog(), HardState.INITIAL);
        tickUntil(solo, Role.CANDIDATE);
        Ready r = solo.ready();
        assertThat(r.hardState()).isEqualTo(new HardState(1, "solo"));
        solo.tick();
        assertThat(solo.role()).as("the vote is not durable yet").isEqualTo(Role.CANDIDATE);

        solo.hardStatePersisted(r.hardState());

        assertThat(solo.role()).isEqualTo(Role.LEADER);
    }

    /**
     * Only voters are asked, so only voters' answers count: a granted answer from a learner (never asked; a faulty
     * one) must not make a one-voter election look won by another's vote, which would let it lead before its own vote
     * is durable.
     */
    @Test
    void anAnswerFromALearnerNeitherCountsNorHurriesASingleVoter() {
        ClusterConfiguration soloAndLearner = new ClusterConfiguration(Set.of("solo"), Set.of("l1"), Set.of());
        RaftProtocol solo = server("solo", TestCluster.ticks(), soloAndLearner, new MemoryLog(), HardState.INITIAL);
        tickUntil(solo, Role.CANDIDATE);
        Ready r = solo.ready();
        solo.step(new Message.RequestVoteResponse(solo.currentTerm(), "l1", "solo", true, false));
        assertThat(solo.role()).as("its own vote is not durable yet").isEqualTo(Role.CANDIDATE);

        solo.hardStatePersisted(r.hardState());
        assertThat(solo.role()).isEqualTo(Role.LEADER);
    }

    /**
     * A durable vote for itself in an earlier term, or the late report of an earlier write, is not the vote of the
     * term it campaigns in.
     */
    @Test
    void aSingleVoterIsNotMisledByAVoteOfAnEarlierTerm() {
        RaftProtocol solo = server("solo", TestCluster.ticks(), SOLO, MemoryLog.withTerms(1),
                new HardState(3, "solo"));
        tickUntil(solo, Role.CANDIDATE);
        assertThat(solo.currentTerm()).isEqualTo(4);
        Ready r = solo.ready();

        solo.hardStatePersisted(new HardState(3, "solo"));
        assertThat(solo.role()).isEqualTo(Role.CANDIDATE);

        solo.hardStatePersisted(r.hardState());
        assertThat(solo.role()).isEqualTo(Role.LEADER);
    }

    /**
     * Thesis §4.2.1: a learner never campaigns; nor does a server whose log store fails (it could not make its
     * vote durable, and could not lead).
     */
    @Test
    void neitherALearnerNorAServerWithAFailedDiskCampaigns() {
        ClusterConfiguration withLearner = new ClusterConfiguration(Set.of("n1", "n2", "n3"), Set.of("n4"), Set.of());
        RaftProtocol n4 = server("n4", TestCluster.ticks(), withLearner, MemoryLog.withTerms(1),
                new HardState(1, null));
        RaftProtocol n2 = server("n2", TestCluster.ticks(), THREE_VOTERS, MemoryLog.withTerms(1),
                new HardState(1, null));
        n2.storageFailed();
        for (int i = 0; i < 100; i++) {
            n4.tick();
            n2.tick();
        }
        for (RaftProtocol p : List.of(n4, n2)) {
            assertThat(p.role()).isEqualTo(Role.FOLLOWER);
            assertThat(sent(p.ready())).isEmpty();
        }
    }
}
