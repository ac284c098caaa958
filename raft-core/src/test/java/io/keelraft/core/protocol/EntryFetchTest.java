package io.keelraft.core.protocol;

import static io.keelraft.core.protocol.LeaderBench.appendsTo;
import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A lagging follower needs entries that are on disk only: the leader asks the driver to read them off the raft
 * loop (EntryFetch), sends nothing more to that follower meanwhile, sends what arrives only if it still fits its
 * log and the follower still waits for it, and after a failed read asks again with the next heartbeat round, not
 * in a busy loop (found by mutation testing, docs/mutation/part-b.md: nothing tested this path outside the
 * simulation).
 */
class EntryFetchTest {

    private static final Set<String> THREE = Set.of("n1", "n2", "n3");

    /**
     * n1 restarted with entries 1..6 of term 1 and leads term 2 (no-op at 7); entries below 5 are on disk only.
     * n2 is up to date; n3 has an empty log and rejected the first probe, so n1 has asked for entries 1..2.
     */
    private static LeaderBench lagging() {
        LeaderBench h = new LeaderBench(THREE, TestCluster.ticks().maxEntriesPerAppend(2),
                MemoryLog.withTerms(1, 1, 1, 1, 1, 1), new HardState(1, null));
        h.memoryFrom = 5;
        Ready probes = h.ready();
        assertThat(appendsTo("n3", probes)).singleElement().satisfies(a -> assertThat(a.prevLogIndex()).isEqualTo(5));
        h.n1.step(h.ack("n2", 7));
        h.ready();
        assertThat(h.n1.commitIndex()).isEqualTo(7);
        h.n1.step(h.reject("n3", 5, 0));
        Ready r = h.ready();
        assertThat(r.entriesToFetch()).as("read off the raft loop, not sent from it")
                .containsExactly(new EntryFetch("n3", 2, 1, 3, TestCluster.ticks().build().maxBytesPerAppend()));
        assertThat(appendsTo("n3", r)).isEmpty();
        return h;
    }

    private static List<LogEntry> read(LeaderBench h, long from, long to) {
        return h.memory.entries(from, to, Long.MAX_VALUE);
    }

    /** n3 replicates through 2 and entries 3..4 are being fetched for it. */
    private static LeaderBench replicatingThrough2() {
        LeaderBench h = lagging();
        h.n1.entriesFetched("n3", 2, 1, read(h, 1, 3));
        h.ready();
        h.n1.step(h.ack("n3", 2));
        assertThat(h.ready().entriesToFetch()).extracting(EntryFetch::fromIndex).containsExactly(3L);
        return h;
    }

    /** After a fetch for n3 was used up, the next heartbeat round and n3's answer to it ask for 3..4 again. */
    private static void fetchAgain(LeaderBench h) {
        h.n1.tick();
        assertThat(h.ready().entriesToFetch()).isEmpty();
        h.n1.step(h.ack("n3", 2));
        assertThat(h.ready().entriesToFetch()).extracting(EntryFetch::fromIndex).containsExactly(3L);
    }

    private static List<Message.AppendEntries> withEntries(List<Message.AppendEntries> appends) {
        return appends.stream().filter(a -> !a.entries().isEmpty()).toList();
    }

    @Test
    void fetchedEntriesAreSentOnceAndNothingMoreIsAskedMeanwhile() {
        LeaderBench h = lagging();
        h.n1.tick(); // a heartbeat round: the probe waits for the fetch
        Ready r = h.ready();
        assertThat(r.entriesToFetch()).isEmpty();
        assertThat(appendsTo("n3", r)).isEmpty();
        h.propose(1); // 8
        r = h.ready();
        assertThat(r.entriesToFetch()).isEmpty();
        assertThat(appendsTo("n3", r)).isEmpty();

        h.n1.entriesFetched("n3", 2, 1, read(h, 1, 3));
        assertThat(appendsTo("n3", h.ready())).singleElement().satisfies(a -> {
            assertThat(a.prevLogIndex()).isZero();
            assertThat(a.entries()).extracting(LogEntry::index).containsExactly(1L, 2L);
        });
        h.n1.entriesFetched("n3", 2, 1, read(h, 1, 3)); // the same report again
        assertThat(appendsTo("n3", h.ready())).as("already sent").isEmpty();

        h.n1.step(h.ack("n3", 2)); // replicating now; 3..4 are on disk only too
        assertThat(h.ready().entriesToFetch()).extracting(EntryFetch::fromIndex, EntryFetch::toIndex)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(3L, 5L));
        h.n1.entriesFetched("n3", 2, 3, read(h, 3, 5));
        assertThat(appendsTo("n3", h.ready())).extracting(Message.AppendEntries::prevLogIndex)
                .as("the fetched entries, then the rest from memory, pipelined").containsExactly(2L, 4L, 6L);
    }

    @Test
    void aFailedReadIsRetriedWithTheNextHeartbeatRoundNotAtOnce() {
        LeaderBench h = lagging();
        h.n1.entriesFetched("n3", 2, 1, List.of()); // the read failed
        assertThat(h.ready().entriesToFetch()).isEmpty();
        h.n1.step(h.reject("n3", 5, 0)); // a duplicate of n3's first rejection: stale
        assertThat(h.ready().entriesToFetch()).isEmpty();
        h.n1.tick(); // the heartbeat round probes again: a new fetch
        assertThat(h.ready().entriesToFetch()).extracting(EntryFetch::fromIndex).containsExactly(1L);

        h.n1.entriesFetched("n3", 2, 1, read(h, 1, 3));
        h.ready();
        h.n1.step(h.ack("n3", 2)); // replicating: 3..4 are fetched next
        assertThat(h.ready().entriesToFetch()).hasSize(1);
        h.n1.entriesFetched("n3", 2, 3, List.of()); // fails too
        assertThat(h.ready().entriesToFetch()).isEmpty();
        h.n1.tick(); // a heartbeat at matchIndex; the fetch waits for its answer
        Ready r = h.ready();
        assertThat(r.entriesToFetch()).isEmpty();
        assertThat(withEntries(appendsTo("n3", r))).isEmpty();

        h.propose(1);
        h.n1.read(5); // a read round in the same Ready as the new fetch
        r = h.ready();
        assertThat(r.entriesToFetch()).extracting(EntryFetch::fromIndex).containsExactly(3L);
        long round = appendsTo("n2", r).get(0).readSeq();
        assertThat(appendsTo("n3", r)).as("the read round still reaches n3").singleElement().satisfies(a -> {
            assertThat(a.entries()).isEmpty();
            assertThat(a.readSeq()).isEqualTo(round);
        });
    }

    @Test
    void fetchedEntriesThatNoLongerFitTheLogAreDropped() {
        LeaderBench h = replicatingThrough2();
        h.n1.entriesFetched("n4", 2, 3, read(h, 3, 5)); // for a server the leader has no progress for
        Ready r = h.ready();
        assertThat(LeaderBench.messagesTo("n4", r)).isEmpty();
        assertThat(withEntries(appendsTo("n3", r))).isEmpty();

        h.n1.entriesFetched("n3", 2, 3, read(h, 4, 5)); // not starting where the fetch asked
        assertThat(withEntries(appendsTo("n3", h.ready()))).isEmpty();

        fetchAgain(h);
        List<LogEntry> otherTerm = List.of(new LogEntry(3, 9, EntryType.COMMAND, new byte[] {0}),
                new LogEntry(4, 9, EntryType.COMMAND, new byte[] {0}));
        h.n1.entriesFetched("n3", 2, 3, otherTerm); // not the leader's entries
        assertThat(withEntries(appendsTo("n3", h.ready()))).isEmpty();

        fetchAgain(h);
        List<LogEntry> beyond = new ArrayList<>();
        for (long i = 3; i <= h.n1.lastIndex() + 1; i++) {
            beyond.add(new LogEntry(i, 1, EntryType.COMMAND, new byte[] {0}));
        }
        h.n1.entriesFetched("n3", 2, 3, beyond); // reaching past the leader's last entry
        assertThat(withEntries(appendsTo("n3", h.ready()))).isEmpty();

        fetchAgain(h);
        List<LogEntry> fetched = read(h, 3, 5);
        h.n1.snapshotAvailable(new SnapshotMeta(4, 1, h.configuration));
        h.memory.compactTo(4, 1); // compacted while the read was under way
        h.n1.entriesFetched("n3", 2, 3, fetched);
        Ready dropped = h.ready();
        assertThat(withEntries(appendsTo("n3", dropped))).isEmpty();
        h.n1.tick();
        // The next heartbeat to n3 (commit news in that Ready, or the tick's round) sends the snapshot instead.
        assertThat(LeaderBench.snapshotsTo("n3", dropped).size() + LeaderBench.snapshotsTo("n3", h.ready()).size())
                .isEqualTo(1);
    }

    /** A fetch asks for no more than the durable log holds: a read past its end would fail, and be asked for again. */
    @Test
    void aFetchReadsNoFurtherThanTheDurableLog() {
        LeaderBench h = new LeaderBench(THREE, TestCluster.ticks().maxEntriesPerAppend(100),
                MemoryLog.withTerms(1, 1, 1, 1, 1, 1), new HardState(1, null));
        h.memoryFrom = 5;
        h.ready();
        h.n1.step(h.ack("n2", 7));
        h.ready();
        assertThat(h.n1.commitIndex()).as("so the leader's own no-op at 7 is durable").isEqualTo(7);
        h.n1.step(h.reject("n3", 5, 0));
        assertThat(h.ready().entriesToFetch()).extracting(EntryFetch::fromIndex, EntryFetch::toIndex)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, 8L));
    }
}
