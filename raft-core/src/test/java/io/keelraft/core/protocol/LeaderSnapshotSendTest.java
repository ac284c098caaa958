package io.keelraft.core.protocol;

import static io.keelraft.core.protocol.FlowControlTest.settled;
import static io.keelraft.core.protocol.LeaderBench.appendsTo;
import static io.keelraft.core.protocol.LeaderBench.messagesTo;
import static io.keelraft.core.protocol.LeaderBench.snapshotsTo;
import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.Role;
import io.keelraft.core.SnapshotMeta;
import org.junit.jupiter.api.Test;

/**
 * Thesis §5.3 from the leader's side: a follower that needs compacted entries gets the newest snapshot and nothing
 * else until it acknowledges it; heartbeats keep carrying the commit index meanwhile; stale answers and late
 * reports from the driver change nothing; and without a snapshot that covers the log's base nothing is sent
 * (found by mutation testing, docs/mutation/part-b.md).
 */
class LeaderSnapshotSendTest {

    /**
     * n1 leads; entries 2..4 were sent to both followers one per append; n2 acknowledged them (commit 4), n3's
     * were lost (it matches through 1 only). The leader then compacted through 3.
     */
    private static LeaderBench overtaken(boolean reportSnapshot) {
        LeaderBench h = settled(TestCluster.ticks().maxEntriesPerAppend(1));
        h.propose(3);
        h.ready();
        h.n1.step(h.ack("n2", 4));
        h.ready();
        assertThat(h.n1.commitIndex()).isEqualTo(4);
        if (reportSnapshot) {
            h.n1.snapshotAvailable(new SnapshotMeta(3, h.memory.term(3), h.configuration));
        }
        h.memory.compactTo(3, h.memory.term(3));
        return h;
    }

    @Test
    void compactionOvertakingAReplicatingFollowerSendsItTheSnapshot() {
        LeaderBench h = overtaken(true);
        h.n1.tick(); // heartbeat round: n3's matchIndex 1 is compacted away
        Ready r = h.ready();
        assertThat(snapshotsTo("n3", r)).singleElement().satisfies(s -> assertThat(s.snapshot().index()).isEqualTo(3));
        assertThat(appendsTo("n3", r)).isEmpty();

        h.n1.tick(); // while the snapshot travels, heartbeats still carry the commit index (from the snapshot on)
        r = h.ready();
        assertThat(snapshotsTo("n3", r)).isEmpty();
        assertThat(appendsTo("n3", r)).singleElement().satisfies(a -> {
            assertThat(a.prevLogIndex()).isEqualTo(3);
            assertThat(a.entries()).isEmpty();
            assertThat(a.leaderCommit()).isEqualTo(4);
        });

        h.n1.step(h.ack("n3", 2)); // a late answer to the lost append of 2: the snapshot is still needed
        assertThat(messagesTo("n3", h.ready())).as("no second snapshot").isEmpty();

        h.n1.step(h.ack("n3", 3)); // the snapshot is installed: replication resumes after it
        assertThat(appendsTo("n3", h.ready())).singleElement().satisfies(a -> {
            assertThat(a.prevLogIndex()).isEqualTo(3);
            assertThat(a.entries()).extracting(LogEntry::index).containsExactly(4L);
        });

        h.n1.snapshotSendFailed("n3"); // a late report of a transfer that did succeed changes nothing
        h.n1.tick();
        assertThat(appendsTo("n3", h.ready())).as("a heartbeat, not a second copy of entry 4").singleElement()
                .satisfies(a -> assertThat(a.entries()).isEmpty());
    }

    @Test
    void aFollowerThatNeedsTheSnapshotGetsOnlyTheSnapshotEvenInAReadRound() {
        LeaderBench h = overtaken(true);
        h.n1.tick();
        assertThat(snapshotsTo("n3", h.ready())).hasSize(1);
        h.n1.snapshotSendFailed("n3"); // it did not arrive: n3 is probed again at the next opportunity
        h.propose(1);
        h.n1.read(9);
        Ready r = h.ready();
        assertThat(appendsTo("n2", r)).singleElement().satisfies(a -> assertThat(a.readSeq()).as("the tick began round 1")
                .isEqualTo(2));
        assertThat(messagesTo("n3", r)).singleElement().isInstanceOf(Message.InstallSnapshot.class);
    }

    @Test
    void withoutASnapshotCoveringTheLogsBaseNothingIsSent() {
        LeaderBench h = overtaken(false); // a driver that compacted before reporting the snapshot
        h.n1.tick();
        assertThat(snapshotsTo("n3", h.ready())).isEmpty();
        h.n1.step(h.reject("n3", 4, 1)); // n3 lacks 2..4: it needs entries the leader no longer has
        assertThat(snapshotsTo("n3", h.ready())).isEmpty();
        h.propose(1);
        Ready r = h.ready();
        assertThat(appendsTo("n2", r)).hasSize(1);
        assertThat(messagesTo("n3", r)).isEmpty();

        h.n1.snapshotAvailable(new SnapshotMeta(2, h.memory.term(3), h.configuration)); // older than the base
        h.n1.tick();
        assertThat(snapshotsTo("n3", h.ready())).as("it would not bring n3 to the log's base").isEmpty();

        h.n1.snapshotAvailable(new SnapshotMeta(4, h.n1.term(4), h.configuration));
        h.n1.tick();
        assertThat(snapshotsTo("n3", h.ready())).singleElement()
                .satisfies(s -> assertThat(s.snapshot().index()).isEqualTo(4));
        assertThat(h.n1.role()).isEqualTo(Role.LEADER);
    }
}
