package io.keelraft.core.protocol;

import static io.keelraft.core.protocol.CachedDiskLog.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RaftLog}'s bookkeeping of appends, conflicts and durability: which entries are handed to the driver
 * to persist, which are durable (a leader counts itself in quorums only up to there, and a follower
 * acknowledges only durable entries, paper Figure 2), and the invariants that guard Log Matching and State
 * Machine Safety (paper §5.3, §5.4). Found by mutation testing (docs/MUTATION.md): through the protocol, the
 * test drivers persist every Ready at once, so late, stale and partial reports were never seen.
 */
class RaftLogPersistenceTest {

    @Test
    void aRestartThatAppliedEverythingStartsCommittedAtTheLastEntry() {
        RaftLog log = new RaftLog(CachedDiskLog.withTerms(1, 1, 2), 3);
        assertThat(log.commitIndex()).isEqualTo(3);
        assertThat(log.hasEntriesToApply()).isFalse();
        assertThat(log.lastIndex()).isEqualTo(3);
        assertThat(log.durableIndex()).isEqualTo(3);

        RaftLog compacted = new RaftLog(CachedDiskLog.based(10, 2), 10);
        assertThat(compacted.commitIndex()).isEqualTo(10);
        assertThat(compacted.lastIndex()).isEqualTo(10);
        assertThat(compacted.lastTerm()).isEqualTo(2);
    }

    @Test
    void aRestartCannotHaveAppliedEntriesItsLogDoesNotHold() {
        // The state machine is ahead of the log only when a snapshot covers the difference.
        assertThatThrownBy(() -> new RaftLog(CachedDiskLog.withTerms(1, 1, 2), 4))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RaftLog(CachedDiskLog.based(10, 2), 11))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void newEntriesAreHandedOutForPersistenceExactlyOnce() {
        RaftLog log = new RaftLog(CachedDiskLog.withTerms(1, 1, 1), 0);
        assertThat(log.hasEntriesToPersist()).isFalse();
        log.append(List.of(entry(4, 2), entry(5, 2)));
        assertThat(log.hasEntriesToPersist()).isTrue();
        assertThat(log.takeEntriesToPersist()).extracting(LogEntry::index).containsExactly(4L, 5L);
        assertThat(log.hasEntriesToPersist()).isFalse();
        assertThat(log.takeEntriesToPersist()).isEmpty();
        assertThat(log.hasWritesOutstanding()).isTrue();

        log.append(List.of(entry(6, 2)));
        assertThat(log.takeEntriesToPersist()).extracting(LogEntry::index).containsExactly(6L);
    }

    @Test
    void anAppendThatWouldLeaveAGapIsRefused() {
        RaftLog log = new RaftLog(CachedDiskLog.withTerms(1, 1, 1), 0);
        assertThatThrownBy(() -> log.append(List.of(entry(5, 2)))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> log.append(List.of(entry(3, 2)))).isInstanceOf(IllegalStateException.class);
        assertThat(log.lastIndex()).isEqualTo(3);
    }

    @Test
    void aConflictInsideTheUnstableEntriesKeepsTheEntriesBeforeIt() {
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1, 1);
        RaftLog log = new RaftLog(disk, 0);
        log.append(List.of(entry(4, 1), entry(5, 1), entry(6, 1)));

        log.truncateAndAppend(List.of(entry(5, 2)));

        assertThat(log.lastIndex()).isEqualTo(5);
        assertThat(log.term(4)).isEqualTo(1);
        assertThat(log.term(5)).isEqualTo(2);
        assertThat(log.entries(3, 7, 100, Long.MAX_VALUE)).extracting(LogEntry::term).containsExactly(1L, 1L, 2L);
        assertThat(log.takeEntriesToPersist()).extracting(LogEntry::index).containsExactly(4L, 5L);
    }

    @Test
    void aConflictAfterEntriesAlreadyHandedOutHandsOutOnlyTheReplacements() {
        RaftLog log = new RaftLog(CachedDiskLog.withTerms(1, 1, 1), 0);
        log.append(List.of(entry(4, 1), entry(5, 1), entry(6, 1)));
        assertThat(log.takeEntriesToPersist()).hasSize(3);

        log.truncateAndAppend(List.of(entry(5, 2), entry(6, 2)));

        assertThat(log.takeEntriesToPersist()).extracting(LogEntry::index).containsExactly(5L, 6L);
        assertThat(log.term(6)).isEqualTo(2);
    }

    @Test
    void aConflictBelowTheUnstableEntriesReplacesThemAll() {
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1, 1);
        RaftLog log = new RaftLog(disk, 0);
        log.append(List.of(entry(4, 1), entry(5, 1)));

        log.truncateAndAppend(List.of(entry(3, 2)));

        assertThat(log.lastIndex()).isEqualTo(3);
        assertThat(log.term(3)).isEqualTo(2);
        assertThat(log.term(2)).isEqualTo(1);
        assertThat(log.entries(1, 6, 100, Long.MAX_VALUE)).extracting(LogEntry::term).containsExactly(1L, 1L, 2L);
        assertThat(log.takeEntriesToPersist()).extracting(LogEntry::index).containsExactly(3L);
    }

    @Test
    void replacedDurableEntriesAreNoLongerCountedDurable() {
        // A leader counts itself in a quorum up to durableIndex: entries a conflict replaced must not count.
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1, 1, 1, 1);
        RaftLog log = new RaftLog(disk, 0);
        assertThat(log.durableIndex()).isEqualTo(5);

        log.truncateAndAppend(List.of(entry(3, 2)));

        assertThat(log.durableIndex()).isEqualTo(2);
        assertThat(log.lastDurableIndexToRead()).isEqualTo(2);
        assertThat(log.takeEntriesToPersist()).extracting(LogEntry::index).containsExactly(3L);
        assertThat(log.hasWritesOutstanding()).isTrue();
    }

    @Test
    void aReplacementRightAfterTheLastEntryIsAPlainAppend() {
        RaftLog log = new RaftLog(CachedDiskLog.withTerms(1, 1, 1), 0);
        log.truncateAndAppend(List.of(entry(4, 2)));
        assertThat(log.lastIndex()).isEqualTo(4);
        assertThat(log.term(3)).isEqualTo(1);
        assertThat(log.term(4)).isEqualTo(2);
    }

    @Test
    void aReplacementThatWouldLeaveAGapIsRefused() {
        RaftLog log = new RaftLog(CachedDiskLog.withTerms(1, 1, 1), 0);
        assertThatThrownBy(() -> log.truncateAndAppend(List.of(entry(5, 2))))
                .isInstanceOf(IllegalStateException.class);
        assertThat(log.lastIndex()).isEqualTo(3);
    }

    @Test
    void committedEntriesAreNeverReplaced() {
        // State Machine Safety (paper §5.4): a committed entry may already be applied somewhere.
        RaftLog log = new RaftLog(CachedDiskLog.withTerms(1, 1, 1, 1, 1), 0);
        log.commitTo(3);
        assertThatThrownBy(() -> log.truncateAndAppend(List.of(entry(3, 2))))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> log.truncateAndAppend(List.of(entry(2, 2))))
                .isInstanceOf(IllegalStateException.class);
        assertThat(log.term(3)).isEqualTo(1);
        assertThat(log.lastIndex()).isEqualTo(5);

        log.truncateAndAppend(List.of(entry(4, 2)));
        assertThat(log.lastIndex()).isEqualTo(4);
        assertThat(log.term(4)).isEqualTo(2);
    }

    @Test
    void commitIndexNeverPassesTheLastEntryNorGoesBack() {
        RaftLog log = new RaftLog(CachedDiskLog.withTerms(1, 1, 1, 1, 1), 0);
        assertThatThrownBy(() -> log.commitTo(6)).isInstanceOf(IllegalStateException.class);
        assertThat(log.commitIndex()).isZero();
        log.commitTo(5);
        log.commitTo(2);
        assertThat(log.commitIndex()).isEqualTo(5);
    }

    @Test
    void aLateReportOfAReplacedEntryIsIgnored() {
        // Entry 3 of term 1 was replaced by 3@2 before the driver reported anything: a report of (3, 1) is about
        // the old entry, and must neither mark 3 durable nor drop the replacement waiting to be written.
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1, 1);
        RaftLog log = new RaftLog(disk, 0);
        log.truncateAndAppend(List.of(entry(3, 2)));
        List<LogEntry> toWrite = log.takeEntriesToPersist();

        assertThat(log.persisted(3, 1)).isFalse();
        assertThat(log.durableIndex()).isEqualTo(2);
        assertThat(log.term(3)).isEqualTo(2);
        assertThat(log.hasWritesOutstanding()).isTrue();

        disk.append(toWrite);
        assertThat(log.persisted(3, 2)).isTrue();
        assertThat(log.durableIndex()).isEqualTo(3);
        assertThat(log.hasWritesOutstanding()).isFalse();
        assertThat(log.term(3)).isEqualTo(2);
    }

    @Test
    void persistedEntriesAreReleasedAndReadFromTheDurableLog() {
        // The log holds entries only until they are durable (memory stays bounded): after that a read of them is
        // the durable log's, and a store that does not cache them makes the leader fetch them off its loop.
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1, 1);
        RaftLog log = new RaftLog(disk, 0);
        log.append(List.of(entry(4, 1), entry(5, 1), entry(6, 1)));
        disk.append(log.takeEntriesToPersist());

        assertThat(log.persisted(4, 1)).isTrue();
        assertThat(log.durableIndex()).isEqualTo(4);
        assertThat(log.lastDurableIndexToRead()).isEqualTo(4);
        assertThat(log.inMemory(4)).isFalse();
        assertThat(log.inMemory(5)).isTrue();

        assertThat(log.persisted(6, 1)).isTrue();
        assertThat(log.lastDurableIndexToRead()).isEqualTo(6);
        assertThat(log.inMemory(5)).isFalse();
        assertThat(log.lastIndex()).isEqualTo(6);
        assertThat(log.term(6)).isEqualTo(1);
        int reads = disk.reads;
        assertThat(log.entries(5, 7, 100, Long.MAX_VALUE)).extracting(LogEntry::index).containsExactly(5L, 6L);
        assertThat(disk.reads).isEqualTo(reads + 1);
    }

    @Test
    void duplicateAndOutOfOrderReportsNeverMoveTheDurableIndex() {
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1, 1);
        RaftLog log = new RaftLog(disk, 0);
        log.append(List.of(entry(4, 1), entry(5, 1), entry(6, 1)));
        disk.append(log.takeEntriesToPersist());
        assertThat(log.persisted(6, 1)).isTrue();

        assertThat(log.persisted(6, 1)).as("a duplicate").isFalse();
        assertThat(log.persisted(5, 1)).as("an older report").isFalse();
        assertThat(log.persisted(2, 1)).isFalse();
        assertThat(log.durableIndex()).isEqualTo(6);
        assertThat(log.hasWritesOutstanding()).isFalse();
    }
}
