package io.keelraft.core.protocol;

import io.keelraft.core.RaftOptions;
import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Leader election (paper §5.2, §5.4.1), stale leaders (§5.1), PreVote (thesis §9.6), CheckQuorum (§6.2). */
class ElectionTest {

    private static final List<String> THREE = List.of("n1", "n2", "n3");

    @Test
    void aServerThatTimesOutBecomesLeaderAndTheOthersFollowIt() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        assertThat(c.node("n1").role()).isEqualTo(Role.LEADER);
        assertThat(c.node("n2").leaderId()).isEqualTo("n1");
        assertThat(c.node("n3").leaderId()).isEqualTo("n1");
        assertThat(c.hardStates.get("n2")).isEqualTo(new HardState(1, "n1"));
    }

    @Test
    void electionTimeoutIsRandomizedWithinTTo2T() {
        ClusterConfiguration three = ClusterConfiguration.ofVoters(java.util.Set.copyOf(THREE));
        java.util.Set<Integer> seen = new java.util.TreeSet<>();
        for (int seed = 0; seed < 200; seed++) {
            RaftProtocol p = new RaftProtocol("n1", TestCluster.ticks().electionTimeoutTicks(10).build(), three,
                    HardState.INITIAL, new MemoryLog(), 0, new SplittableRandom(seed));
            int ticks = 0;
            while (p.role() == Role.FOLLOWER) {
                p.tick();
                ticks++;
            }
            seen.add(ticks);
        }
        assertThat(seen).allMatch(t -> t >= 10 && t < 20);
        assertThat(seen.size()).as("timeouts spread over the range").isGreaterThan(5);
    }

    @Test
    void voteAndTermAreDurableBeforeTheVoteLeaves() {
        TestCluster c = TestCluster.of(THREE, b -> b.preVote(false));
        RaftProtocol n2 = c.node("n2");
        n2.step(new Message.RequestVote(1, "n1", "n2", 0, 0, false));
        Ready r = n2.ready();
        assertThat(r.hardState()).isEqualTo(new HardState(1, "n1"));
        assertThat(r.messages()).isEmpty();
        assertThat(r.messagesAfterPersist()).containsExactly(
                new Message.RequestVoteResponse(1, "n2", "n1", true, false));
    }

    @Test
    void oneVotePerTermEvenAfterRestart() {
        MemoryLog log = new MemoryLog();
        ClusterConfiguration three = ClusterConfiguration.ofVoters(java.util.Set.copyOf(THREE));
        RaftOptions cfg = TestCluster.ticks().preVote(false).build();
        RaftProtocol n2 = new RaftProtocol("n2", cfg, three, HardState.INITIAL, log, 0, new SplittableRandom(1));
        n2.step(new Message.RequestVote(1, "n1", "n2", 0, 0, false));
        HardState persisted = n2.ready().hardState();

        RaftProtocol restarted = new RaftProtocol("n2", cfg, three, persisted, log, 0, new SplittableRandom(2));
        restarted.step(new Message.RequestVote(1, "n3", "n2", 0, 0, false));
        assertThat(restarted.ready().messagesAfterPersist()).containsExactly(
                new Message.RequestVoteResponse(1, "n2", "n3", false, false));
        assertThat(restarted.votedFor()).isEqualTo("n1");
    }

    /**
     * A crash between a leader's snapshot becoming durable and the adoption of its term leaves a log whose last
     * term is above the saved term: the server resumes in that term (found by the simulation, seed 20824, where
     * such a server's pre-votes carried lastLogTerm 30 for campaign term 29 and were refused as malformed).
     */
    @Test
    void aRestartWithALogTermAboveTheSavedTermResumesInTheLogTerm() {
        ClusterConfiguration three = ClusterConfiguration.ofVoters(java.util.Set.copyOf(THREE));
        RaftOptions cfg = TestCluster.ticks().electionTimeoutTicks(10).build();
        RaftProtocol n2 = new RaftProtocol("n2", cfg, three, new HardState(2, "n1"), MemoryLog.withTerms(1, 2, 5), 0,
                new SplittableRandom(1));
        assertThat(n2.currentTerm()).isEqualTo(5);
        assertThat(n2.votedFor()).isNull();
        assertThat(n2.ready().hardState()).as("saved at once").isEqualTo(new HardState(5, null));

        for (int i = 0; i < 40 && n2.role() == Role.FOLLOWER; i++) {
            n2.tick();
        }
        Ready r = n2.ready();
        List<Message> sent = new java.util.ArrayList<>(r.messages());
        sent.addAll(r.messagesAfterPersist());
        assertThat(sent).filteredOn(m -> m instanceof Message.RequestVote)
                .isNotEmpty().allSatisfy(m -> {
                    Message.RequestVote rv = (Message.RequestVote) m;
                    assertThat(rv.term()).isEqualTo(6);
                    assertThat(rv.lastLogTerm()).isEqualTo(5);
                });
    }

    @Test
    void upToDateCheckComparesLastTermThenLastIndex() {
        ClusterConfiguration three = ClusterConfiguration.ofVoters(java.util.Set.copyOf(THREE));
        RaftOptions cfg = TestCluster.ticks().preVote(false).checkQuorum(false).build();
        RaftProtocol n2 = new RaftProtocol("n2", cfg, three, new HardState(3, null), MemoryLog.withTerms(1, 3, 3), 0,
                new SplittableRandom(1));
        // Longer log but older last term: rejected.
        n2.step(new Message.RequestVote(4, "n1", "n2", 9, 2, false));
        // Same last term, shorter: rejected.
        n2.step(new Message.RequestVote(5, "n1", "n2", 2, 3, false));
        // Same last term, same length: granted.
        n2.step(new Message.RequestVote(6, "n3", "n2", 3, 3, false));
        assertThat(n2.ready().messagesAfterPersist()).extracting(m -> ((Message.RequestVoteResponse) m).granted())
                .containsExactly(false, false, true);
    }

    @Test
    void aSplitVoteResolvesInALaterTerm() {
        List<String> four = List.of("n1", "n2", "n3", "n4");
        TestCluster c = TestCluster.of(four, b -> b.preVote(false));
        // n1 and n2 both become candidates in term 1 before any message moves.
        RaftProtocol n1 = c.node("n1");
        RaftProtocol n2 = c.node("n2");
        while (n1.role() != Role.CANDIDATE) {
            n1.tick();
        }
        while (n2.role() != Role.CANDIDATE) {
            n2.tick();
        }
        // n3 hears n1 first and n4 hears n2 first: 2 votes each, no majority of 3.
        c.dropWhen(m -> m instanceof Message.RequestVote rv
                && ((rv.from().equals("n1") && rv.to().equals("n4")) || (rv.from().equals("n2") && rv.to().equals("n3"))));
        c.settle();
        assertThat(c.leader()).isNull();
        assertThat(n1.currentTerm()).isEqualTo(1);
        assertThat(n2.currentTerm()).isEqualTo(1);

        c.dropWhen(m -> false);
        for (int i = 0; i < 100 && c.leader() == null; i++) {
            c.tickAll(1);
        }
        assertThat(c.leader()).isNotNull();
        assertThat(c.leader().currentTerm()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void anOldLeaderStepsDownWhenItHearsTheNewTerm() {
        TestCluster c = TestCluster.of(THREE, b -> b.checkQuorum(false));
        c.electByTicking("n1");
        c.isolate("n1");
        ProposeResult lost = c.node("n1").propose("written to the old leader".getBytes());
        assertThat(lost.accepted()).isTrue();
        c.electByTicking("n2");
        assertThat(c.node("n2").role()).isEqualTo(Role.LEADER);
        assertThat(c.node("n1").role()).as("still believes it leads, alone").isEqualTo(Role.LEADER);

        c.reconnect("n1");
        c.tick(1, "n2"); // a heartbeat with the new term
        RaftProtocol n1 = c.node("n1");
        assertThat(n1.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n1.currentTerm()).isEqualTo(c.node("n2").currentTerm());
        assertThat(n1.leaderId()).isEqualTo("n2");
        // Its uncommitted entry was overwritten by the new leader's log.
        c.tick(2, "n2");
        assertThat(c.logs.get("n1").terms()).isEqualTo(c.logs.get("n2").terms());
        assertThat(n1.term(lost.index())).isNotEqualTo(lost.term());
    }

    @Test
    void aLowerTermRequestIsRejectedWithTheCurrentTerm() {
        TestCluster c = TestCluster.of(THREE, b -> b.checkQuorum(false));
        c.electByTicking("n1");
        c.electByTicking("n2");
        long term = c.node("n2").currentTerm();
        assertThat(term).isEqualTo(2);
        RaftProtocol n3 = c.node("n3");
        n3.step(new Message.AppendEntries(1, "n1", "n3", 0, 0, List.of(), 0, 0));
        Ready r = n3.ready();
        assertThat(r.messagesAfterPersist()).hasSize(1);
        Message.AppendEntriesResponse resp = (Message.AppendEntriesResponse) r.messagesAfterPersist().get(0);
        assertThat(resp.success()).isFalse();
        assertThat(resp.term()).isEqualTo(term);
        assertThat(n3.currentTerm()).isEqualTo(term);
    }

    @Test
    void preVoteKeepsARejoiningPartitionedServerFromDisruptingTheLeader() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        long term = c.node("n1").currentTerm();
        c.isolate("n3");
        c.tickAll(200); // n3 times out again and again, alone
        assertThat(c.node("n3").currentTerm()).as("pre-votes never win, so the term never moves").isEqualTo(term);

        c.reconnect("n3");
        c.tickAll(30);
        assertThat(c.node("n1").role()).isEqualTo(Role.LEADER);
        assertThat(c.node("n1").currentTerm()).isEqualTo(term);
        assertThat(c.node("n3").leaderId()).isEqualTo("n1");
    }

    @Test
    void withoutPreVoteTheSameServerDisruptsTheLeader() {
        TestCluster c = TestCluster.of(THREE, b -> b.preVote(false).checkQuorum(false));
        c.electByTicking("n1");
        long term = c.node("n1").currentTerm();
        c.isolate("n3");
        c.tickAll(200);
        assertThat(c.node("n3").currentTerm()).isGreaterThan(term + 5);
        c.reconnect("n3");
        c.tickAll(30);
        assertThat(c.leader().currentTerm()).as("the healthy leader was deposed").isGreaterThan(term + 5);
    }

    @Test
    void checkQuorumMakesAPartitionedLeaderStepDown() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        c.isolate("n1");
        c.tick(25, "n1"); // two election timeouts alone
        assertThat(c.node("n1").role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.node("n1").propose(new byte[] {1}).accepted()).isFalse();
    }

    @Test
    void withoutCheckQuorumAPartitionedLeaderLingers() {
        TestCluster c = TestCluster.of(THREE, b -> b.checkQuorum(false));
        c.electByTicking("n1");
        c.isolate("n1");
        c.tick(25, "n1");
        assertThat(c.node("n1").role()).isEqualTo(Role.LEADER);
    }

    @Test
    void aLeaderInContactWithAMajorityKeepsLeading() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        c.isolate("n3");
        c.tick(100, "n1", "n2");
        assertThat(c.node("n1").role()).isEqualTo(Role.LEADER);
    }

    @Test
    void aSingleServerElectsItselfAndCommitsOnceDurable() {
        TestCluster c = TestCluster.of(List.of("solo"), b -> { });
        c.electByTicking("solo");
        RaftProtocol solo = c.node("solo");
        assertThat(solo.role()).isEqualTo(Role.LEADER);
        ProposeResult r = solo.propose("x".getBytes());
        c.settle();
        assertThat(solo.commitIndex()).isEqualTo(r.index());
        assertThat(c.applied.get("solo")).extracting(LogEntry::index).containsExactly(1L, 2L);
    }

    @Test
    void aLeaderWhoseDiskStallsStepsDown() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        RaftProtocol n1 = c.node("n1");
        n1.propose(new byte[] {1});
        n1.ready(); // handed to a disk that never finishes: persisted() is never called
        for (int i = 0; i < 10; i++) { // the first tick notices the write; ten more without progress
            n1.tick();
        }
        assertThat(n1.role()).isEqualTo(Role.LEADER);
        n1.tick();
        assertThat(n1.role()).isEqualTo(Role.FOLLOWER);
    }

    @Test
    void aLeaderWithAHealthyDiskKeepsLeading() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        for (int i = 0; i < 50; i++) {
            c.node("n1").propose(new byte[] {(byte) i});
            c.tickAll(1);
        }
        assertThat(c.node("n1").role()).isEqualTo(Role.LEADER);
    }
}
