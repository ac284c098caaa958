package io.keelraft.core.protocol;

import io.keelraft.core.RaftOptions;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Edges of the protocol that neither the other unit tests nor the short simulation sweep pinned down, each found
 * by a mutant that survived (docs/MUTATION.md). All through the public API, so they do not depend on how
 * RaftProtocol is split into classes.
 */
class ProtocolEdgesTest {

    private static final List<String> THREE = List.of("n1", "n2", "n3");
    private static final ClusterConfiguration THREE_VOTERS = ClusterConfiguration.ofVoters(Set.copyOf(THREE));

    private static RaftProtocol server(String id, RaftOptions.Builder config, MemoryLog log, HardState hs) {
        return new RaftProtocol(id, config.build(), THREE_VOTERS, hs, log, 0, new SplittableRandom(7));
    }

    /** Ticks a lone server (its messages go nowhere) until it has the role. */
    private static void tickUntil(RaftProtocol p, Role role) {
        for (int i = 0; i < 100 && p.role() != role; i++) {
            p.tick();
            p.ready();
        }
        assertThat(p.role()).isEqualTo(role);
    }

    @Test
    void aCandidateThatHearsTheLeaderOfItsTermFollowsIt() {
        RaftProtocol n2 = server("n2", TestCluster.ticks().preVote(false), MemoryLog.withTerms(1),
                new HardState(1, null));
        tickUntil(n2, Role.CANDIDATE);
        long term = n2.currentTerm();

        n2.step(new Message.AppendEntries(term, "n1", "n2", 1, 1, List.of(), 0, 0));

        assertThat(n2.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n2.leaderId()).isEqualTo("n1");
        assertThat(n2.currentTerm()).isEqualTo(term);
        // It follows: it waits a whole election timeout again before it campaigns.
        for (int i = 0; i < 9; i++) {
            n2.tick();
        }
        assertThat(n2.role()).isEqualTo(Role.FOLLOWER);
    }

    @Test
    void aPreCandidateThatHearsTheLeaderFollowsIt() {
        RaftProtocol n2 = server("n2", TestCluster.ticks(), MemoryLog.withTerms(1), new HardState(1, null));
        tickUntil(n2, Role.PRE_CANDIDATE);

        n2.step(new Message.InstallSnapshot(1, "n1", "n2", new SnapshotMeta(1, 1, THREE_VOTERS)));

        assertThat(n2.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n2.leaderId()).isEqualTo("n1");
    }

    @Test
    void aLeaderDropsAppendsAndSnapshotsFromAnotherLeaderOfItsTerm() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        RaftProtocol leader = c.node("n1");
        long term = leader.currentTerm();
        long last = leader.lastIndex();

        leader.step(new Message.AppendEntries(term, "n2", "n1", last, term,
                List.of(new LogEntry(last + 1, term, EntryType.COMMAND, new byte[] {1})), last + 1, 0));
        leader.step(new Message.InstallSnapshot(term, "n2", "n1", new SnapshotMeta(last + 5, term, THREE_VOTERS)));

        assertThat(leader.droppedMessages()).isEqualTo(2);
        assertThat(leader.role()).isEqualTo(Role.LEADER);
        assertThat(leader.lastIndex()).isEqualTo(last);
        assertThat(leader.ready().messagesAfterPersist()).isEmpty();
    }

    @Test
    void aFollowerInstallingASnapshotAdoptsTheSnapshotsConfiguration() {
        ClusterConfiguration withLearner = new ClusterConfiguration(Set.copyOf(THREE), Set.of("n4"), Set.of());
        RaftProtocol n3 = server("n3", TestCluster.ticks(), MemoryLog.withTerms(1, 1), new HardState(1, null));
        assertThat(n3.configuration()).isEqualTo(THREE_VOTERS);

        n3.step(new Message.InstallSnapshot(2, "n1", "n3", new SnapshotMeta(10, 2, withLearner)));

        assertThat(n3.configuration()).isEqualTo(withLearner);
        assertThat(n3.configurationIndex()).isEqualTo(10);
        assertThat(n3.knownServers()).containsExactlyInAnyOrder("n1", "n2", "n3", "n4");
        assertThat(n3.ready().snapshotToRestore()).isEqualTo(new SnapshotMeta(10, 2, withLearner));
    }

    @Test
    void anOlderSnapshotDoesNotReplaceTheNewest() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        RaftProtocol leader = c.node("n1");
        for (int i = 0; i < 4; i++) {
            leader.propose(new byte[] {(byte) i});
        }
        c.settle();
        SnapshotMeta newer = new SnapshotMeta(4, leader.currentTerm(), THREE_VOTERS);
        SnapshotMeta older = new SnapshotMeta(2, leader.currentTerm(), THREE_VOTERS);
        SnapshotMeta same = new SnapshotMeta(4, leader.currentTerm(), ClusterConfiguration.ofVoters(Set.of("n1")));

        leader.snapshotAvailable(newer);
        leader.snapshotAvailable(older);
        leader.snapshotAvailable(same);

        assertThat(leader.latestSnapshot()).isSameAs(newer);
    }

    @Test
    void onlyALeaderServesReads() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        assertThat(c.node("n2").readWithLease(1)).isFalse();
        assertThat(c.node("n2").read(2)).isFalse();
        assertThat(c.node("n2").ready().readStates()).isEmpty();
    }

    @Test
    void aFollowerWhoseDiskFailsKeepsFollowingAndSaysSo() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        RaftProtocol n2 = c.node("n2");
        assertThat(n2.storageFailing()).isFalse();

        n2.storageFailed();

        assertThat(n2.storageFailing()).isTrue();
        assertThat(n2.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n2.leaderId()).isEqualTo("n1");
        n2.storageRecovered();
        assertThat(n2.storageFailing()).isFalse();
    }

    /** A restarted server reads the configurations in its log, the last entry's included. */
    @Test
    void aRestartLoadsEveryConfigurationInTheLogUpToTheLastEntry() {
        ClusterConfiguration withLearner = new ClusterConfiguration(Set.copyOf(THREE), Set.of("n4"), Set.of());
        MemoryLog log = MemoryLog.withTerms(1);
        log.append(List.of(new LogEntry(2, 1, EntryType.CONFIGURATION, withLearner.encode())));
        RaftProtocol n2 = server("n2", TestCluster.ticks(), log, new HardState(1, null));
        assertThat(n2.configuration()).isEqualTo(withLearner);
        assertThat(n2.configurationIndex()).isEqualTo(2);

        // One entry after a snapshot: the loop reading the log runs exactly once.
        MemoryLog compacted = MemoryLog.withTerms(1, 1);
        compacted.append(List.of(new LogEntry(3, 1, EntryType.CONFIGURATION, withLearner.encode())));
        compacted.compactTo(2, 1);
        RaftProtocol restarted = new RaftProtocol("n2", RaftOptions.defaults(), THREE_VOTERS,
                new HardState(1, null), compacted, 2, new SplittableRandom(7));
        assertThat(restarted.configuration()).isEqualTo(withLearner);
        assertThat(restarted.configurationIndex()).isEqualTo(3);
    }

    /** A configuration entry the new leader overwrites is no longer in force (thesis §4.1). */
    @Test
    void aTruncatedConfigurationIsUndone() {
        ClusterConfiguration withLearner = new ClusterConfiguration(Set.copyOf(THREE), Set.of("n4"), Set.of());
        RaftProtocol n2 = server("n2", TestCluster.ticks(), MemoryLog.withTerms(1), new HardState(1, null));
        n2.step(new Message.AppendEntries(1, "n1", "n2", 1, 1,
                List.of(new LogEntry(2, 1, EntryType.CONFIGURATION, withLearner.encode())), 1, 0));
        assertThat(n2.configuration()).isEqualTo(withLearner);

        n2.step(new Message.AppendEntries(2, "n3", "n2", 1, 1,
                List.of(new LogEntry(2, 2, EntryType.COMMAND, new byte[] {1})), 1, 0));

        assertThat(n2.configuration()).isEqualTo(THREE_VOTERS);
        assertThat(n2.knownServers()).containsExactlyInAnyOrder("n1", "n2", "n3");
        assertThat(n2.lastTerm()).isEqualTo(2);
    }

    /**
     * A vote cast in a term this server already saved changes only votedFor: it must still be made durable before
     * the vote leaves, or a crash would let this server vote twice in the term (Election Safety).
     */
    @Test
    void aVoteInTheCurrentTermIsDurableBeforeItLeaves() {
        RaftProtocol n2 = server("n2", TestCluster.ticks().preVote(false), MemoryLog.withTerms(1),
                new HardState(2, null));
        assertThat(n2.ready().hardState()).as("nothing new to save").isNull();

        n2.step(new Message.RequestVote(2, "n1", "n2", 1, 1, false));

        Ready r = n2.ready();
        assertThat(r.hardState()).isEqualTo(new HardState(2, "n1"));
        assertThat(r.messages()).isEmpty();
        assertThat(r.messagesAfterPersist()).containsExactly(
                new Message.RequestVoteResponse(2, "n2", "n1", true, false));
    }
}
