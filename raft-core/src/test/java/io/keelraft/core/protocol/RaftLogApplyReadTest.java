package io.keelraft.core.protocol;

import static io.keelraft.core.protocol.CachedDiskLog.entry;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Committed entries that are on disk only (a restart re-applying its log) are read for application off the raft loop:
 * {@link RaftLog} asks for an {@link EntryFetch} addressed to the server itself and hands nothing out until the read
 * comes back, so entries are still applied once each, in order (thesis §10.2.1: the loop never waits for a disk).
 */
class RaftLogApplyReadTest {

    private static final long MAX = Long.MAX_VALUE;

    /** Entries 1..2, committed and on disk only, being read for application (none handed out yet). */
    private static RaftLog readingCommittedEntriesFromDisk(CachedDiskLog disk) {
        disk.cachedFrom = 3;
        RaftLog log = new RaftLog(disk, 0);
        log.commitTo(2);
        assertThat(log.takeEntriesToApply(MAX)).isEmpty();
        assertThat(log.takeApplyRead("n1", MAX)).isEqualTo(new EntryFetch("n1", 0, 1, 3, MAX));
        return log;
    }

    @Test
    void entriesInMemoryAreHandedOutAtOnceWithoutARead() {
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1, 1);
        disk.cachedFrom = 1;
        RaftLog log = new RaftLog(disk, 0);
        log.commitTo(3);
        assertThat(log.takeEntriesToApply(MAX)).containsExactly(entry(1, 1), entry(2, 1), entry(3, 1));
        assertThat(log.takeApplyRead("n1", MAX)).isNull();
        assertThat(log.hasEntriesToApply()).isFalse();
    }

    @Test
    void entriesOnDiskAreReadOffTheLoopAndHandedOutWhenTheyArrive() {
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1, 1, 2);
        disk.cachedFrom = 4;
        RaftLog log = new RaftLog(disk, 0);
        log.commitTo(3);

        assertThat(log.takeEntriesToApply(MAX)).as("nothing read on the loop").isEmpty();
        assertThat(disk.reads).isZero();
        EntryFetch read = log.takeApplyRead("n1", 1234);
        assertThat(read).isEqualTo(new EntryFetch("n1", 0, 1, 4, 1234)); // up to the commit index, for itself
        assertThat(log.takeApplyRead("n1", 1234)).as("asked for once").isNull();
        // While it is read, nothing is handed out: not the rest, and not entries committed meanwhile.
        log.commitTo(4);
        assertThat(log.hasEntriesToApply()).isFalse();
        assertThat(log.takeEntriesToApply(MAX)).isEmpty();
        assertThat(log.takeApplyRead("n1", MAX)).isNull();

        log.readForApply(1, List.of(entry(1, 1), entry(2, 1)));
        assertThat(log.hasEntriesToApply()).isTrue();
        assertThat(log.takeEntriesToApply(MAX)).containsExactly(entry(1, 1), entry(2, 1));
        // The read stopped short (its byte budget): the next entries are read the same way, then 4 from memory.
        assertThat(log.takeEntriesToApply(MAX)).isEmpty();
        assertThat(log.takeApplyRead("n1", MAX)).isEqualTo(new EntryFetch("n1", 0, 3, 5, MAX));
        log.readForApply(3, List.of(entry(3, 1)));
        assertThat(log.takeEntriesToApply(MAX)).containsExactly(entry(3, 1));
        assertThat(log.takeEntriesToApply(MAX)).containsExactly(entry(4, 2));
        assertThat(disk.reads).as("the only read on the loop: entry 4, from memory").isEqualTo(1);
        assertThat(log.hasEntriesToApply()).isFalse();
    }

    @Test
    void aReadThatAnswersNoOutstandingRequestIsIgnored() {
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1);
        RaftLog log = readingCommittedEntriesFromDisk(disk);
        log.readForApply(2, List.of(entry(2, 1))); // not what was asked for
        assertThat(log.hasEntriesToApply()).isFalse();
        assertThat(log.takeEntriesToApply(MAX)).isEmpty();
        log.readForApply(1, List.of(entry(1, 1), entry(2, 1)));
        assertThat(log.takeEntriesToApply(MAX)).containsExactly(entry(1, 1), entry(2, 1));
        log.readForApply(1, List.of(entry(1, 1))); // late duplicate: nothing is applied twice
        assertThat(log.takeEntriesToApply(MAX)).isEmpty();
    }

    @Test
    void aFailedReadIsDoneOnTheLoopNextWhereAnErrorStopsTheServer() {
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1);
        RaftLog log = readingCommittedEntriesFromDisk(disk);
        log.readForApply(1, List.of()); // the read failed
        assertThat(log.hasEntriesToApply()).isTrue();
        assertThat(log.takeEntriesToApply(MAX)).containsExactly(entry(1, 1), entry(2, 1));
        assertThat(log.takeApplyRead("n1", MAX)).isNull();
        assertThat(disk.reads).isEqualTo(1);
    }

    @Test
    void aSnapshotInstalledWhileEntriesAreReadDiscardsTheRead() {
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1);
        RaftLog log = readingCommittedEntriesFromDisk(disk);
        log.restore(5, 2); // paper Figure 13 rule 7: the snapshot's state replaces everything through 5
        log.readForApply(1, List.of(entry(1, 1), entry(2, 1)));
        assertThat(log.hasEntriesToApply()).isFalse();
        assertThat(log.takeEntriesToApply(MAX)).isEmpty();
        assertThat(log.takeApplyRead("n1", MAX)).isNull();
    }
}
