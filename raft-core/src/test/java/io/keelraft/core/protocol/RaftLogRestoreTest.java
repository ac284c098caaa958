package io.keelraft.core.protocol;

import static io.keelraft.core.protocol.CachedDiskLog.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RaftLog} installing a leader's snapshot (paper Figure 13, rule 7; thesis §5.3): the whole log is
 * discarded, the snapshot's state counts as committed, applied and durable, and new entries follow it. Between
 * the install and the driver's compaction of the durable log the old entries are still on disk; none of them
 * may be seen. Found by mutation testing (docs/MUTATION.md): the restore bookkeeping was reached only through
 * whole-cluster tests, whose drivers compact at once.
 */
class RaftLogRestoreTest {

    @Test
    void anInstalledSnapshotReplacesTheWholeLogBeforeTheDriverCompacts() {
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1, 1);
        disk.cachedFrom = Long.MAX_VALUE;
        RaftLog log = new RaftLog(disk, 0);
        log.append(List.of(entry(4, 1), entry(5, 1))); // not yet durable: discarded too

        log.restore(10, 3);

        assertThat(log.snapshotIndex()).isEqualTo(10);
        assertThat(log.firstIndex()).isEqualTo(11);
        assertThat(log.lastIndex()).isEqualTo(10);
        assertThat(log.lastTerm()).isEqualTo(3);
        assertThat(log.term(10)).isEqualTo(3);
        assertThat(log.matchTerm(10, 3)).isTrue();
        assertThat(log.hasTerm(3)).as("the old log is gone").isFalse();
        assertThat(log.hasTerm(5)).isFalse();
        assertThatThrownBy(() -> log.term(5)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> log.term(3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(log.commitIndex()).isEqualTo(10);
        assertThat(log.durableIndex()).isEqualTo(10);
        assertThat(log.hasEntriesToApply()).as("the snapshot is the applied state").isFalse();
        assertThat(log.hasEntriesToPersist()).isFalse();
        assertThat(log.takeEntriesToPersist()).isEmpty();
        assertThat(log.hasWritesOutstanding()).isFalse();
        assertThat(log.inMemory(11)).isTrue();
        assertThat(log.entries(11, 20, 100, Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void entriesAfterTheSnapshotAreServedFromMemoryWhileTheOldLogIsStillOnDisk() {
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1, 1);
        RaftLog log = new RaftLog(disk, 0);
        log.restore(10, 3);
        log.append(List.of(entry(11, 3), entry(12, 4)));

        assertThat(log.lastIndex()).isEqualTo(12);
        assertThat(log.term(11)).isEqualTo(3);
        assertThat(log.term(12)).isEqualTo(4);
        assertThat(log.entries(11, 13, 100, Long.MAX_VALUE)).extracting(LogEntry::index).containsExactly(11L, 12L);
        assertThat(disk.reads).isZero();
        assertThat(log.takeEntriesToPersist()).extracting(LogEntry::index).containsExactly(11L, 12L);
        assertThat(log.lastIndexWithTermAtMost(3, 12)).isEqualTo(11);
        assertThat(log.lastIndexWithTermAtMost(2, 12)).isEqualTo(10);
    }

    @Test
    void afterTheCompactionTheLogContinuesFromTheSnapshotOnDisk() {
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1, 1);
        RaftLog log = new RaftLog(disk, 0);
        log.restore(10, 3);
        disk.compactTo(10, 3); // what the driver does with Ready.snapshotToRestore
        log.append(List.of(entry(11, 3), entry(12, 3)));
        disk.append(log.takeEntriesToPersist());

        assertThat(log.persisted(12, 3)).isTrue();

        assertThat(log.snapshotIndex()).isEqualTo(10);
        assertThat(log.lastIndex()).isEqualTo(12);
        assertThat(log.term(12)).isEqualTo(3);
        assertThat(log.term(10)).isEqualTo(3);
        assertThat(log.durableIndex()).isEqualTo(12);
        assertThat(log.lastDurableIndexToRead()).isEqualTo(12);
        assertThat(log.entries(11, 13, 100, Long.MAX_VALUE)).extracting(LogEntry::index).containsExactly(11L, 12L);

        log.append(List.of(entry(13, 4)));
        assertThat(log.lastIndex()).isEqualTo(13);
        assertThat(log.term(13)).isEqualTo(4);
    }

    /**
     * The protocol discards its whole log when its own view does not hold the snapshot's last entry (rule 7); the
     * store decides on what it holds (LogStore.compactTo, rule 6). They differ when a conflict replaced entries
     * that were never handed out, in the same batch as the snapshot: the store still holds the snapshot's entry
     * and keeps what follows it. From the compaction on, the log is what the store holds: here 3@2 and 4@2.
     */
    private static RaftLog restoredOverAStoreThatKeptItsSuffix(CachedDiskLog disk) {
        RaftLog log = new RaftLog(disk, 0);
        log.truncateAndAppend(List.of(entry(2, 3))); // a leader of term 3 replaces 2..4, not yet handed out
        log.restore(2, 1); // a later leader's snapshot through (2, 1), which this log's view does not hold
        assertThat(log.lastIndex()).isEqualTo(2);
        disk.compactTo(2, 1); // the store holds (2, 1): it keeps 3@2 and 4@2
        return log;
    }

    @Test
    void whenTheStoreKeepsTheEntriesAfterTheSnapshotTheLogContinuesFromThem() {
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1, 2, 2);
        disk.cachedFrom = Long.MAX_VALUE;
        RaftLog log = restoredOverAStoreThatKeptItsSuffix(disk);

        assertThat(log.lastIndex()).isEqualTo(4);
        assertThat(log.term(3)).isEqualTo(2);
        assertThat(log.lastTerm()).isEqualTo(2);
        assertThat(log.lastDurableIndexToRead()).isEqualTo(4);
        assertThat(log.inMemory(3)).as("on disk only").isFalse();
        assertThat(log.entries(3, 5, 100, Long.MAX_VALUE)).extracting(LogEntry::index).containsExactly(3L, 4L);

        // Appended before the driver asked for a Ready again: this used to fail (a negative index into the
        // unstable entries), as the entries kept by the store were never handed out for persistence.
        log.append(List.of(entry(5, 4)));
        assertThat(log.lastIndex()).isEqualTo(5);
        assertThat(log.term(5)).isEqualTo(4);
        assertThat(log.term(4)).isEqualTo(2);
        assertThat(log.takeEntriesToPersist()).extracting(LogEntry::index).containsExactly(5L);
    }

    @Test
    void aConflictWithTheEntriesTheStoreKeptReplacesThem() {
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1, 2, 2);
        RaftLog log = restoredOverAStoreThatKeptItsSuffix(disk);
        // The driver drains its Readies after the compaction (RaftGroup, SimNode): nothing new to write.
        assertThat(log.takeEntriesToPersist()).isEmpty();
        assertThat(log.takeEntriesToPersist()).isEmpty();

        log.truncateAndAppend(List.of(entry(4, 4))); // the new leader's 4@4 replaces the kept 4@2

        assertThat(log.lastIndex()).isEqualTo(4);
        assertThat(log.term(4)).isEqualTo(4);
        assertThat(log.term(3)).isEqualTo(2);
        assertThat(log.lastDurableIndexToRead()).isEqualTo(3);
        assertThat(log.takeEntriesToPersist()).containsExactly(entry(4, 4));
        assertThat(log.takeEntriesToPersist()).isEmpty();
    }

    @Test
    void aSnapshotNeverRewindsTheCommittedLog() {
        RaftLog log = new RaftLog(CachedDiskLog.withTerms(1, 1, 1, 1, 1), 0);
        log.commitTo(5);
        assertThatThrownBy(() -> log.restore(5, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> log.restore(4, 1)).isInstanceOf(IllegalStateException.class);
        assertThat(log.lastIndex()).isEqualTo(5);
        assertThat(log.snapshotIndex()).isZero();

        log.restore(6, 2);
        assertThat(log.commitIndex()).isEqualTo(6);
        assertThat(log.lastTerm()).isEqualTo(2);
    }
}
