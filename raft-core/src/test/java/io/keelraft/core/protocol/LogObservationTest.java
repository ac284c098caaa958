package io.keelraft.core.protocol;

import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.Role;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the driver reads from the protocol besides {@link Ready}: the cluster id in a new cluster's first entry,
 * terms of log entries, and how committed entries are batched for application. (Found by mutation testing,
 * docs/MUTATION.md: only the runtime's tests, which PIT does not run, looked at these.)
 */
class LogObservationTest {

    private static final List<String> THREE = List.of("n1", "n2", "n3");

    @Test
    void theFirstLeaderOfANewClusterWritesTheClusterIdIntoTheFirstEntryAndNoLaterLeaderDoes() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.nodes.values().forEach(n -> n.identifyNewCluster("cluster-7"));
        c.electByTicking("n1");
        LogEntry first = c.applied.get("n2").get(0);
        assertThat(first.index()).isEqualTo(1);
        assertThat(first.type()).isEqualTo(EntryType.NO_OP);
        assertThat(new String(first.payload(), StandardCharsets.UTF_8)).isEqualTo("cluster-7");

        c.isolate("n1");
        for (int i = 0; i < 200 && c.node("n2").role() != Role.LEADER && c.node("n3").role() != Role.LEADER; i++) {
            c.tick(1, "n2", "n3");
        }
        RaftProtocol next = c.node("n2").role() == Role.LEADER ? c.node("n2") : c.node("n3");
        assertThat(next.role()).isEqualTo(Role.LEADER);
        LogEntry second = c.applied.get(next.id()).get(1);
        assertThat(second.type()).isEqualTo(EntryType.NO_OP);
        assertThat(second.term()).isEqualTo(next.currentTerm());
        assertThat(second.payload()).as("not the first entry: no id").isEmpty();
    }

    @Test
    void withoutAClusterIdTheFirstEntryIsAnEmptyNoOp() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.node("n1").identifyNewCluster("forgotten");
        c.node("n1").identifyNewCluster(null);
        c.electByTicking("n1");
        LogEntry first = c.applied.get("n2").get(0);
        assertThat(first.type()).isEqualTo(EntryType.NO_OP);
        assertThat(first.payload()).isEmpty();
    }

    @Test
    void termIfKnownAnswersFromTheSnapshotToTheLastEntryAndZeroOutsideIt() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        RaftProtocol leader = c.node("n1");
        for (int i = 0; i < 6; i++) {
            leader.propose(("c" + i).getBytes());
        }
        c.settle();
        c.tickAll(1);
        SnapshotMeta snapshot = c.snapshotAndCompact("n1", 2);
        long term = leader.currentTerm();
        long compactedTo = snapshot.index() - 2;

        assertThat(leader.termIfKnown(compactedTo - 1)).as("compacted away").isZero();
        assertThat(leader.termIfKnown(compactedTo)).as("the compaction's base").isEqualTo(term);
        assertThat(leader.termIfKnown(leader.lastIndex())).isEqualTo(term);
        assertThat(leader.term(leader.lastIndex())).isEqualTo(leader.lastTerm());
        assertThat(leader.termIfKnown(leader.lastIndex() + 1)).as("beyond the last entry").isZero();
    }

    @Test
    void committedEntriesAreHandedOutInBatchesBoundedByMaxApplyBatchBytes() {
        // Each entry counts its payload plus LogEntry.OVERHEAD_BYTES: two of these exceed 150 bytes, one does not.
        TestCluster c = TestCluster.of(List.of("solo"), b -> b.maxApplyBatchBytes(150));
        c.electByTicking("solo");
        RaftProtocol solo = c.node("solo");
        long before = solo.commitIndex();
        byte[] command = new byte[50];
        for (int i = 0; i < 4; i++) {
            solo.propose(command);
        }
        Ready append = solo.ready();
        assertThat(append.entriesToAppend()).hasSize(4);
        c.logs.get("solo").append(append.entriesToAppend());
        solo.persisted(before + 4, solo.currentTerm());
        assertThat(solo.commitIndex()).isEqualTo(before + 4);

        for (int batch = 1; batch <= 4; batch++) {
            assertThat(solo.hasReady()).isTrue();
            assertThat(solo.ready().committedEntries()).as("batch " + batch).singleElement()
                    .extracting(LogEntry::index).isEqualTo(before + batch);
        }
        assertThat(solo.hasReady()).isFalse();
    }
}
