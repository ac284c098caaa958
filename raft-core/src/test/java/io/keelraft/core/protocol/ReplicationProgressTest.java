package io.keelraft.core.protocol;

import static io.keelraft.core.protocol.ReplicationProgress.State.PROBE;
import static io.keelraft.core.protocol.ReplicationProgress.State.REPLICATE;
import static io.keelraft.core.protocol.ReplicationProgress.State.SNAPSHOT;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The leader's view of one follower (paper Figure 2's nextIndex and matchIndex) as a state machine: PROBE finds
 * where the logs match one append at a time, REPLICATE pipelines within a window, SNAPSHOT waits for the
 * snapshot (thesis §5.3). These pin the transitions on answers that arrive late, twice or out of order, which
 * the simulation rarely produces in a way a checker notices (found by mutation testing, docs/mutation/part-b.md).
 */
class ReplicationProgressTest {

    private static final int WINDOW = 2;

    /** A follower known to match through {@code match}, nothing in flight. */
    private static ReplicationProgress replicating(long match) {
        ReplicationProgress pr = new ReplicationProgress(match + 1, WINDOW, 1 << 20);
        pr.acknowledged(match);
        assertThat(pr.state()).isEqualTo(REPLICATE);
        assertThat(pr.nextIndex()).isEqualTo(match + 1);
        return pr;
    }

    @Test
    void aProbeAnsweredBelowNextIndexReplicatesFromJustAfterTheMatch() {
        ReplicationProgress pr = new ReplicationProgress(10, WINDOW, 1 << 20); // a new leader probes at its last entry
        // An answer through 5 (the follower matches there, e.g. a late answer to an older append): the logs match
        // through 5, so pipelining resumes at 6 rather than probing again at 10.
        assertThat(pr.acknowledged(5)).isTrue();
        assertThat(pr.state()).isEqualTo(REPLICATE);
        assertThat(pr.matchIndex()).isEqualTo(5);
        assertThat(pr.nextIndex()).isEqualTo(6);
    }

    @Test
    void aStaleAnswerWhileProbingJustAfterTheMatchResumesReplication() {
        ReplicationProgress pr = replicating(5);
        pr.probeFromMatch();
        assertThat(pr.state()).isEqualTo(PROBE);
        assertThat(pr.acknowledged(3)).as("matchIndex did not advance").isFalse();
        // nextIndex is matchIndex + 1: the probe point is known to match, nothing is left to find.
        assertThat(pr.state()).isEqualTo(REPLICATE);
        assertThat(pr.nextIndex()).isEqualTo(6);
    }

    @Test
    void aStaleAnswerWhileProbingFurtherOnKeepsProbing() {
        ReplicationProgress pr = replicating(5);
        pr.sentEntries(9, 10);
        assertThat(pr.rejected(8, 9)).isTrue(); // the append after 8 did not fit
        assertThat(pr.state()).isEqualTo(PROBE);
        assertThat(pr.nextIndex()).isEqualTo(8);
        assertThat(pr.acknowledged(4)).isFalse(); // an old duplicate says nothing about 6..7
        assertThat(pr.state()).isEqualTo(PROBE);
        assertThat(pr.nextIndex()).isEqualTo(8);
        assertThat(pr.isPaused()).as("the next probe may go").isFalse();
        // Stale answers make no probe wait, and never stall detection.
        for (int i = 0; i < 50; i++) {
            assertThat(pr.tickStalled(3)).isFalse();
        }
    }

    @Test
    void anAcknowledgementBeyondNextIndexMovesNextIndexPastIt() {
        ReplicationProgress pr = replicating(5);
        pr.sentEntries(6, 10);
        // A late answer to appends sent before this follower was last probed: it holds entries through 9.
        assertThat(pr.acknowledged(9)).isTrue();
        assertThat(pr.matchIndex()).isEqualTo(9);
        assertThat(pr.nextIndex()).isEqualTo(10);
        assertThat(pr.acknowledged(9)).as("a duplicate").isFalse();
    }

    @Test
    void aRejectionAtOrBelowTheMatchIndexIsStale() {
        ReplicationProgress pr = replicating(5);
        pr.sentEntries(7, 10);
        assertThat(pr.rejected(5, 1)).isFalse(); // the follower has since acknowledged 5
        assertThat(pr.state()).isEqualTo(REPLICATE);
        assertThat(pr.nextIndex()).isEqualTo(8);
    }

    @Test
    void onlyTheSnapshotsAcknowledgementEndsTheTransfer() {
        ReplicationProgress pr = replicating(2);
        pr.becomeSnapshot(10);
        assertThat(pr.isPaused()).isTrue();
        assertThat(pr.acknowledged(7)).isTrue(); // a late answer to an append: still short of the snapshot
        assertThat(pr.state()).isEqualTo(SNAPSHOT);
        assertThat(pr.rejected(7, 1)).as("an answer to a heartbeat says nothing new").isFalse();
        assertThat(pr.state()).isEqualTo(SNAPSHOT);
        assertThat(pr.acknowledged(10)).isTrue();
        assertThat(pr.state()).isEqualTo(REPLICATE);
        assertThat(pr.nextIndex()).isEqualTo(11);
        assertThat(pr.idle()).as("the window starts empty").isTrue();
    }

    @Test
    void aFailedSnapshotIsProbedAgainJustAfterTheMatchIndexAndOnlyThen() {
        ReplicationProgress pr = replicating(2);
        pr.becomeSnapshot(10);
        pr.acknowledged(7);
        pr.snapshotFailed();
        assertThat(pr.state()).isEqualTo(PROBE);
        assertThat(pr.nextIndex()).isEqualTo(8);

        ReplicationProgress other = replicating(5);
        other.sentEntries(8, 30);
        other.snapshotFailed(); // a late report: no snapshot is being sent
        assertThat(other.state()).isEqualTo(REPLICATE);
        assertThat(other.nextIndex()).isEqualTo(9);
    }

    @Test
    void appendsInFlightAreDeclaredLostAfterExactlyTheLimit() {
        ReplicationProgress pr = replicating(5);
        pr.sentEntries(7, 10);
        assertThat(pr.tickStalled(3)).isFalse();
        pr.snapshotProgressed(); // a late snapshot report must not look like progress of these appends
        assertThat(pr.tickStalled(3)).isFalse();
        assertThat(pr.tickStalled(3)).isTrue();
        assertThat(pr.state()).isEqualTo(PROBE);
        assertThat(pr.nextIndex()).isEqualTo(6);

        ReplicationProgress idle = replicating(5);
        ReplicationProgress probing = new ReplicationProgress(10, WINDOW, 1 << 20);
        probing.sentEntries(11, 10);
        for (int i = 0; i < 50; i++) {
            assertThat(idle.tickStalled(3)).as("nothing in flight").isFalse();
            assertThat(probing.tickStalled(3)).as("a probe is resent by heartbeats").isFalse();
        }
    }

    @Test
    void aSnapshotTransferIsDeclaredFailedAfterTenTimesTheLimit() {
        ReplicationProgress pr = replicating(2);
        pr.becomeSnapshot(10);
        for (int i = 1; i < 30; i++) {
            assertThat(pr.tickStalled(3)).as("tick %d", i).isFalse();
        }
        assertThat(pr.tickStalled(3)).isTrue();
        assertThat(pr.state()).isEqualTo(PROBE);
        assertThat(pr.nextIndex()).isEqualTo(3);
    }

    @Test
    void fetchedEntriesAreUsedOnlyIfAwaitedAndStillWhereNextIndexIs() {
        ReplicationProgress pr = replicating(5);
        pr.fetchRequested(6);
        assertThat(pr.isPaused()).as("nothing more goes while entries are read").isTrue();
        assertThat(pr.fetched(7)).as("not the fetch it waits for").isFalse();
        assertThat(pr.isPaused()).isTrue();
        assertThat(pr.fetched(6)).isTrue();
        assertThat(pr.isPaused()).isFalse();
        assertThat(pr.fetched(6)).as("used once").isFalse();

        ReplicationProgress probing = new ReplicationProgress(10, WINDOW, 1 << 20);
        probing.fetchRequested(10);
        assertThat(probing.rejected(9, 4)).isTrue(); // nextIndex moves back to 4 meanwhile
        assertThat(probing.fetched(10)).as("entries from 10 are no longer what the follower needs").isFalse();
    }

    @Test
    void probingFromTheMatchIndexRestartsOnlyAReplicatingFollower() {
        ReplicationProgress pr = replicating(5);
        pr.sentEntries(7, 10);
        pr.sentEntries(9, 10);
        assertThat(pr.isPaused()).as("window of two is full").isTrue();
        pr.probeFromMatch();
        assertThat(pr.state()).isEqualTo(PROBE);
        assertThat(pr.nextIndex()).isEqualTo(6);
        assertThat(pr.isPaused()).isFalse();

        ReplicationProgress probing = new ReplicationProgress(10, WINDOW, 1 << 20);
        probing.sentEntries(11, 10); // its probe is out
        probing.probeFromMatch();
        assertThat(probing.nextIndex()).isEqualTo(10);
        assertThat(probing.isPaused()).as("still waiting for the probe's answer").isTrue();
    }

    @Test
    void onlyAReplicatingFollowerWithNothingInFlightIsIdle() {
        assertThat(new ReplicationProgress(10, WINDOW, 1 << 20).idle()).as("probing").isFalse();
        ReplicationProgress pr = replicating(5);
        assertThat(pr.idle()).isTrue();
        pr.sentEntries(6, 10);
        assertThat(pr.idle()).isFalse();
    }

    @Test
    void replicationResumesWithAnEmptyWindowAfterAProbe() {
        ReplicationProgress pr = replicating(0);
        pr.sentEntries(1, 10);
        pr.sentEntries(2, 10);
        assertThat(pr.isPaused()).isTrue();
        assertThat(pr.rejected(2, 1)).isTrue(); // the second append did not fit: probe from 1
        pr.sentEntries(2, 10); // the probe carries 1..2
        assertThat(pr.acknowledged(2)).isTrue();
        assertThat(pr.state()).isEqualTo(REPLICATE);
        assertThat(pr.isPaused()).as("the appends of before the probe no longer count").isFalse();
        assertThat(pr.idle()).isTrue();

        pr.sentEntries(3, 10);
        pr.sentEntries(4, 10);
        pr.becomeSnapshot(8);
        pr.acknowledged(8);
        assertThat(pr.idle()).isTrue();
    }
}
