package io.keelraft.core.protocol;

import io.keelraft.core.RaftOptions;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.ClusterConfiguration;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Log compaction and InstallSnapshot (thesis chapter 5, paper Figure 13). */
class SnapshotTest {

    private static final List<String> THREE = List.of("n1", "n2", "n3");

    private static void proposeAll(TestCluster c, RaftProtocol leader, int count) {
        for (int i = 0; i < count; i++) {
            assertThat(leader.propose(("c" + i).getBytes()).accepted()).isTrue();
        }
        c.settle();
    }

    @Test
    void aFollowerThatMissedCompactedEntriesCatchesUpThroughTheLeadersSnapshot() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        RaftProtocol leader = c.node("n1");
        c.isolate("n3");
        proposeAll(c, leader, 20);
        c.tickAll(1);
        SnapshotMeta snapshot = c.snapshotAndCompact("n1", 0);
        assertThat(c.logs.get("n1").snapshotIndex()).isEqualTo(snapshot.index());

        c.reconnect("n3");
        proposeAll(c, leader, 3); // entries after the snapshot, which n3 gets as entries
        c.tickAll(3);

        assertThat(c.restored.get("n3")).containsExactly(snapshot);
        assertThat(c.delivered).filteredOn(m -> m instanceof Message.InstallSnapshot).hasSize(1);
        assertThat(c.logs.get("n3").snapshotIndex()).isEqualTo(snapshot.index());
        assertThat(c.node("n3").commitIndex()).isEqualTo(leader.commitIndex());
        assertThat(c.applied.get("n3")).isEqualTo(c.applied.get("n1"));
        assertThat(c.node("n3").latestSnapshot()).isEqualTo(snapshot);
    }

    @Test
    void aFollowerWithALaggingLogKeepsReplicatingAfterTheLeaderCompactsWithAMargin() {
        TestCluster c = TestCluster.of(THREE, b -> b.maxEntriesPerAppend(4));
        c.electByTicking("n1");
        RaftProtocol leader = c.node("n1");
        proposeAll(c, leader, 5);
        c.isolate("n3");
        proposeAll(c, leader, 5);
        c.tickAll(1);
        // Compact, keeping enough entries for n3, which is only a few behind.
        c.snapshotAndCompact("n1", 8);
        c.reconnect("n3");
        c.tickAll(12); // the appends lost while it was cut off are resent once they look stalled
        assertThat(c.delivered).noneMatch(m -> m instanceof Message.InstallSnapshot);
        assertThat(c.applied.get("n3")).isEqualTo(c.applied.get("n1"));
    }

    @Test
    void aSnapshotWhoseLastEntryTheFollowerHoldsKeepsTheLogAfterIt() {
        // Paper Figure 13, rule 6: the follower already has the snapshot's last entry, so it keeps its log.
        MemoryLog log = MemoryLog.withTerms(1, 1, 1, 1);
        RaftProtocol follower = follower(log);
        follower.step(new Message.InstallSnapshot(1, "n1", "n2", meta(3, 1)));
        Ready r = follower.ready();
        assertThat(r.snapshotToRestore()).isNull();
        assertThat(follower.commitIndex()).isEqualTo(3);
        assertThat(follower.lastIndex()).isEqualTo(4);
        assertThat(r.messagesAfterPersist()).singleElement().isInstanceOfSatisfying(
                Message.AppendEntriesResponse.class, a -> assertThat(a.matchIndex()).isEqualTo(3));
    }

    @Test
    void aSnapshotThatConflictsReplacesTheWholeLog() {
        // Rule 7: the follower's entry at the snapshot's index has another term; its log is discarded.
        MemoryLog log = MemoryLog.withTerms(1, 1, 1, 1);
        RaftProtocol follower = follower(log);
        follower.step(new Message.InstallSnapshot(3, "n1", "n2", meta(6, 2)));
        Ready r = follower.ready();
        assertThat(r.snapshotToRestore()).isEqualTo(meta(6, 2));
        assertThat(follower.commitIndex()).isEqualTo(6);
        assertThat(follower.lastIndex()).as("the old log is gone before the driver compacts").isEqualTo(6);
        assertThat(r.committedEntries()).isEmpty();
        log.compactTo(6, 2);
        assertThat(follower.lastIndex()).isEqualTo(6);
        // Entries after the snapshot follow it.
        follower.step(new Message.AppendEntries(3, "n1", "n2", 6, 2,
                List.of(new LogEntry(7, 3, EntryType.NO_OP, new byte[0])), 7, 0));
        Ready next = follower.ready();
        assertThat(next.entriesToAppend()).extracting(LogEntry::index).containsExactly(7L);
        // Followers apply what the leader committed (it is durable on a majority) without waiting for their disk.
        assertThat(next.committedEntries()).extracting(LogEntry::index).containsExactly(7L);
    }

    @Test
    void aStaleSnapshotIsAcknowledgedWithoutBeingInstalled() {
        MemoryLog log = MemoryLog.withTerms(1, 1, 1, 1);
        RaftProtocol follower = follower(log);
        follower.step(new Message.AppendEntries(1, "n1", "n2", 4, 1, List.of(), 4, 0));
        follower.ready();
        follower.step(new Message.InstallSnapshot(1, "n1", "n2", meta(2, 1)));
        Ready r = follower.ready();
        assertThat(r.snapshotToRestore()).isNull();
        assertThat(r.messagesAfterPersist()).singleElement().isInstanceOfSatisfying(
                Message.AppendEntriesResponse.class, a -> assertThat(a.matchIndex()).isEqualTo(4));
    }

    @Test
    void aFailedTransferIsRetriedWithTheNextHeartbeat() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        RaftProtocol leader = c.node("n1");
        c.isolate("n3");
        proposeAll(c, leader, 10);
        c.tickAll(1);
        c.snapshotAndCompact("n1", 0);
        c.dropWhen(m -> m instanceof Message.InstallSnapshot);
        c.reconnect("n3");
        c.tickAll(2);
        long attempts = c.delivered.stream().filter(m -> m instanceof Message.InstallSnapshot).count();
        assertThat(attempts).isZero();
        leader.snapshotSendFailed("n3");
        c.dropWhen(m -> false);
        c.tickAll(2);
        assertThat(c.restored.get("n3")).hasSize(1);
        assertThat(c.applied.get("n3")).isEqualTo(c.applied.get("n1"));
    }

    @Test
    void aRestartedServerStartsFromItsSnapshotAndReplaysTheRest() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        proposeAll(c, c.node("n1"), 10);
        c.tickAll(1);
        c.snapshotAndCompact("n2", 2);
        proposeAll(c, c.node("n1"), 3);
        c.tickAll(1);
        List<LogEntry> before = List.copyOf(c.applied.get("n2"));
        RaftProtocol n2 = c.restart("n2");
        assertThat(n2.commitIndex()).isEqualTo(c.snapshots.get("n2").size());
        c.tickAll(3);
        assertThat(c.applied.get("n2")).startsWith(before.toArray(new LogEntry[0]));
        assertThat(c.applied.get("n2")).isEqualTo(c.applied.get("n1"));
    }

    @Test
    void aSnapshotBeyondCommitIndexIsRefused() {
        RaftProtocol follower = follower(MemoryLog.withTerms(1, 1));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> follower.snapshotAvailable(meta(2, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("beyond commitIndex");
    }

    private static SnapshotMeta meta(long index, long term) {
        return new SnapshotMeta(index, term, ClusterConfiguration.ofVoters(new java.util.LinkedHashSet<>(THREE)));
    }

    private static RaftProtocol follower(MemoryLog log) {
        return new RaftProtocol("n2", RaftOptions.defaults(), ClusterConfiguration.ofVoters(new java.util.LinkedHashSet<>(THREE)),
                new HardState(1, null), log, 0, new SplittableRandom(7));
    }
}
