package io.keelraft.core.protocol;

import static io.keelraft.core.protocol.CachedDiskLog.entry;
import static io.keelraft.core.protocol.CachedDiskLog.sized;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How {@link RaftLog} reads its entries: the durable log overlaid with the entries not yet durable, under the
 * count and byte limits of one AppendEntries, and whether a read needs the disk (a leader's raft loop never
 * reads the disk itself: {@link DurableLog#inMemory}, {@link EntryFetch}). Found by mutation testing
 * (docs/MUTATION.md): the protocol's tests run on an in-memory log and mostly read entries that are all durable
 * or all not, so the seams between the two parts were never exercised.
 */
class RaftLogReadTest {

    private static final long ALL = Long.MAX_VALUE;

    @Test
    void aReadAcrossTheDurableAndTheUnstableEntriesReturnsBothInOrder() {
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1, 1);
        RaftLog log = new RaftLog(disk, 0);
        log.append(List.of(entry(4, 2), entry(5, 2)));

        assertThat(indexes(log.entries(1, 6, 100, ALL))).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(indexes(log.entries(2, 5, 100, ALL))).containsExactly(2L, 3L, 4L);
        assertThat(indexes(log.entries(2, 6, 2, ALL))).as("at most maxCount entries").containsExactly(2L, 3L);
        assertThat(log.entries(3, 6, 100, ALL)).extracting(LogEntry::term).containsExactly(1L, 2L, 2L);
    }

    @Test
    void entriesNotYetDurableAreReadWithoutTouchingTheDurableLog() {
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1, 1);
        RaftLog log = new RaftLog(disk, 0);
        log.append(List.of(entry(4, 2), entry(5, 2)));

        assertThat(indexes(log.entries(4, 6, 100, ALL))).containsExactly(4L, 5L);
        assertThat(disk.reads).as("the unstable entries are held in memory").isZero();
    }

    @Test
    void theByteBudgetSpansTheDurableAndTheUnstableEntries() {
        // Every entry is 33 bytes: an AppendEntries must not exceed maxBytesPerAppend over the whole batch.
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1);
        RaftLog log = new RaftLog(disk, 0);
        log.append(List.of(entry(3, 1), entry(4, 1)));

        assertThat(indexes(log.entries(1, 5, 100, 66))).containsExactly(1L, 2L);
        assertThat(indexes(log.entries(1, 5, 100, 98))).containsExactly(1L, 2L);
        assertThat(indexes(log.entries(1, 5, 100, 99))).as("an exact fit is taken").containsExactly(1L, 2L, 3L);
        assertThat(indexes(log.entries(3, 5, 100, 66))).containsExactly(3L, 4L);
        assertThat(indexes(log.entries(3, 5, 100, 65))).containsExactly(3L);
    }

    @Test
    void aBudgetThatRunsOutInsideTheDurableEntriesNeverSkipsAheadToTheUnstableOnes() {
        // Entry 2 is too big for the budget left after entry 1, entry 3 would fit: taking it would send [1, 3],
        // a batch with a hole, which a follower would store at 2 (paper §5.3, Log Matching).
        CachedDiskLog disk = CachedDiskLog.withTerms();
        disk.append(List.of(sized(1, 1, 40), sized(2, 1, 200)));
        RaftLog log = new RaftLog(disk, 0);
        log.append(List.of(sized(3, 1, 40)));

        assertThat(indexes(log.entries(1, 4, 100, 100))).containsExactly(1L);
        assertThat(indexes(log.entries(1, 4, 100, 280))).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aSingleEntryLargerThanTheBudgetIsStillReadSoReplicationProgresses() {
        RaftLog log = new RaftLog(CachedDiskLog.withTerms(), 0);
        log.append(List.of(sized(1, 1, 500), sized(2, 1, 40)));

        assertThat(indexes(log.entries(1, 3, 100, 100))).containsExactly(1L);
        assertThat(indexes(log.entries(2, 3, 100, 10))).containsExactly(2L);
    }

    @Test
    void aReadAtOrPastTheEndOfTheLogReturnsNothing() {
        RaftLog log = new RaftLog(CachedDiskLog.withTerms(1, 1, 1), 0);
        assertThat(log.entries(4, 10, 100, ALL)).isEmpty();
        assertThat(log.entries(6, 10, 100, ALL)).isEmpty();
        assertThat(log.entries(2, 2, 100, ALL)).isEmpty();
    }

    @Test
    void aLogFarIntoItsLifeReadsItsEntries() {
        // Indexes are longs: a long-lived cluster passes 2^31 entries (the log starts after a snapshot there).
        long base = 1_500_000_000L;
        CachedDiskLog disk = CachedDiskLog.based(base, 7, 7, 7);
        RaftLog log = new RaftLog(disk, base);
        log.append(List.of(entry(base + 3, 8)));

        assertThat(indexes(log.entries(base + 1, base + 4, 100, ALL))).containsExactly(base + 1, base + 2, base + 3);
        assertThat(log.term(base + 3)).isEqualTo(8);
        assertThat(log.term(base)).isEqualTo(7);
    }

    @Test
    void onlyEntriesTheDurableLogCachesOrThisLogHoldsAreInMemory() {
        // A leader reads on its raft loop only what needs no disk I/O; older entries for a lagging follower are
        // fetched on another thread (EntryFetch).
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1, 1, 1, 1, 1);
        disk.cachedFrom = 4;
        RaftLog log = new RaftLog(disk, 0);
        assertThat(log.inMemory(3)).isFalse();
        assertThat(log.inMemory(4)).isTrue();

        disk.cachedFrom = Long.MAX_VALUE; // a store that caches nothing
        assertThat(log.inMemory(1)).isFalse();
        assertThat(log.inMemory(6)).as("the last durable entry is on disk too").isFalse();
        assertThat(log.inMemory(7)).as("an up-to-date follower needs nothing read").isTrue();

        log.append(List.of(entry(7, 2), entry(8, 2)));
        assertThat(log.inMemory(7)).isTrue();
        assertThat(log.inMemory(6)).isFalse();
        assertThat(log.lastDurableIndexToRead()).isEqualTo(6);
    }

    @Test
    void entriesThatReplacedADurableSuffixAreInMemoryAndTheReplacedOnesAreNeverFetched() {
        // A conflict at 5 (paper §5.3): 5..8 on disk are replaced by 5..6 not yet durable. Until the driver
        // writes them, the disk still holds the old 5..8, which no read may return.
        CachedDiskLog disk = CachedDiskLog.withTerms(1, 1, 1, 1, 1, 1, 1, 1);
        RaftLog log = new RaftLog(disk, 0);
        log.truncateAndAppend(List.of(entry(5, 2), entry(6, 2)));

        assertThat(log.lastIndex()).isEqualTo(6);
        assertThat(log.inMemory(5)).isTrue();
        assertThat(log.inMemory(6)).isTrue();
        assertThat(log.inMemory(4)).isFalse();
        assertThat(log.lastDurableIndexToRead()).as("what an EntryFetch may ask the disk for").isEqualTo(4);
        assertThat(log.term(5)).isEqualTo(2);
        assertThat(log.term(4)).isEqualTo(1);
        assertThat(log.entries(3, 9, 100, ALL)).extracting(LogEntry::term).containsExactly(1L, 1L, 2L, 2L);
        assertThatThrownBy(() -> log.term(7)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void fastBacktrackingFindsTheLastEntryOfAtMostTheConflictingTerm() {
        // Paper §5.3: the leader skips to just after its last entry of the follower's conflicting term.
        // Log after a snapshot at (2, 1): 3@1, 4@2, 5@2, 6@2, 7@4, 8@4.
        RaftLog log = new RaftLog(CachedDiskLog.based(2, 1, 1, 2, 2, 2, 4, 4), 2);

        assertThat(log.lastIndexWithTermAtMost(2, 8)).isEqualTo(6);
        assertThat(log.lastIndexWithTermAtMost(3, 8)).isEqualTo(6);
        assertThat(log.lastIndexWithTermAtMost(4, 8)).isEqualTo(8);
        assertThat(log.lastIndexWithTermAtMost(1, 8)).isEqualTo(3);
        assertThat(log.lastIndexWithTermAtMost(2, 5)).as("at most the rejected index").isEqualTo(5);
        assertThat(log.lastIndexWithTermAtMost(9, 20)).as("at most the last index").isEqualTo(8);
        assertThat(log.lastIndexWithTermAtMost(0, 8)).as("none: the snapshot index").isEqualTo(2);
        assertThat(log.lastIndexWithTermAtMost(2, 1)).as("below the snapshot: the snapshot index").isEqualTo(2);

        assertThat(log.firstIndexOfTerm(2, 8)).isEqualTo(4);
        assertThat(log.firstIndexOfTerm(4, 8)).isEqualTo(7);
        assertThat(log.firstIndexOfTerm(2, 5)).isEqualTo(4);
        assertThat(log.firstIndexOfTerm(1, 6)).isEqualTo(3);
    }

    private static List<Long> indexes(List<LogEntry> entries) {
        return entries.stream().map(LogEntry::index).toList();
    }
}
