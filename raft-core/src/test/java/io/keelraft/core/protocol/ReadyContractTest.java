package io.keelraft.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.Role;
import io.keelraft.core.SnapshotMeta;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The contract between the protocol and its driver: {@link RaftProtocol#hasReady()} is true whenever
 * {@link RaftProtocol#ready()} has something to hand out — each kind of work alone — and false when it has
 * nothing; while the log store fails nothing is handed out to persist and nothing is acknowledged, not even
 * after it recovers (an acknowledgement promises durability, paper Figure 2). Found by mutation testing
 * (docs/mutation/part-c.md).
 */
class ReadyContractTest {

    private static final List<String> THREE = List.of("n1", "n2", "n3");
    private static final ClusterConfiguration THREE_VOTERS = ClusterConfiguration.ofVoters(Set.copyOf(THREE));

    private static RaftProtocol follower(RaftOptions.Builder options, MemoryLog log, HardState hardState) {
        return new RaftProtocol("n2", options.build(), THREE_VOTERS, hardState, log, 0, new SplittableRandom(17));
    }

    private static LogEntry entry(long index, long term) {
        return new LogEntry(index, term, EntryType.COMMAND, new byte[] {(byte) index});
    }

    /** A vote is the only change: the hard state must be saved, although the failing store withholds the answer. */
    @Test
    void aHardStateAloneIsWork() {
        RaftProtocol n2 = follower(TestCluster.ticks().checkQuorum(false), MemoryLog.withTerms(1),
                new HardState(2, null));
        n2.storageFailed();
        n2.ready();

        n2.step(new Message.RequestVote(2, "n1", "n2", 1, 1, false));

        assertThat(n2.hasReady()).isTrue();
        Ready r = n2.ready();
        assertThat(r.hardState()).isEqualTo(new HardState(2, "n1"));
        assertThat(r.messagesAfterPersist()).as("nothing is acknowledged while the store fails").isEmpty();
        assertThat(n2.hasReady()).isFalse();
    }

    /** Committed entries beyond one apply batch are work of their own: the rest comes in the next Ready. */
    @Test
    void committedEntriesLeftOverFromABatchAreWork() {
        MemoryLog log = MemoryLog.withTerms(1);
        RaftProtocol n2 = follower(TestCluster.ticks().maxApplyBatchBytes(1), log, new HardState(1, null));
        n2.step(new Message.AppendEntries(1, "n1", "n2", 1, 1, List.of(entry(2, 1), entry(3, 1)), 3, 0));
        Ready first = n2.ready();
        log.append(first.entriesToAppend());
        n2.persisted(3, 1);
        assertThat(first.committedEntries()).extracting(LogEntry::index).containsExactly(1L);

        assertThat(n2.hasReady()).isTrue();
        assertThat(n2.ready().committedEntries()).extracting(LogEntry::index).containsExactly(2L);
        assertThat(n2.hasReady()).isTrue();
        assertThat(n2.ready().committedEntries()).extracting(LogEntry::index).containsExactly(3L);
        assertThat(n2.hasReady()).isFalse();
    }

    /** A lease read served at once is the only work (thesis §6.4.1). */
    @Test
    void aReadStateAloneIsWork() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        c.tickAll(1); // a heartbeat round acknowledged by both followers: a lease
        RaftProtocol n1 = c.node("n1");
        assertThat(n1.hasReady()).isFalse();

        n1.readWithLease(5);

        assertThat(n1.hasReady()).isTrue();
        Ready r = n1.ready();
        assertThat(r.readStates()).containsExactly(new ReadState(5, n1.commitIndex()));
        assertThat(r.messages()).isEmpty();
    }

    /**
     * While its store fails, a follower takes the leader's entries but hands out nothing to persist and
     * acknowledges nothing; once the store recovers, the entries are handed out again, still without the old
     * acknowledgement (the leader retries).
     */
    @Test
    void aFailingStoreGetsNoEntriesAndNoAcknowledgementLeavesForThem() {
        RaftProtocol n2 = follower(TestCluster.ticks(), MemoryLog.withTerms(1), new HardState(1, null));
        n2.step(new Message.AppendEntries(1, "n1", "n2", 1, 1, List.of(), 0, 0));
        n2.ready();
        n2.storageFailed();

        n2.step(new Message.AppendEntries(1, "n1", "n2", 1, 1, List.of(entry(2, 1)), 0, 0));
        assertThat(n2.hasReady()).as("nothing it may hand out").isFalse();
        Ready failing = n2.ready();
        assertThat(failing.entriesToAppend()).isEmpty();
        assertThat(failing.messagesAfterPersist()).isEmpty();

        n2.storageRecovered();
        assertThat(n2.hasReady()).isTrue();
        Ready recovered = n2.ready();
        assertThat(recovered.entriesToAppend()).extracting(LogEntry::index).containsExactly(2L);
        assertThat(recovered.messagesAfterPersist()).isEmpty();
    }

    /**
     * The store fails a write and recovers before the driver asks for the next Ready: the acknowledgement of the
     * lost write must still not leave.
     */
    @Test
    void anAcknowledgementOfAWriteTheStoreRefusedNeverLeaves() {
        RaftProtocol n2 = follower(TestCluster.ticks(), MemoryLog.withTerms(1), new HardState(1, null));
        n2.step(new Message.AppendEntries(1, "n1", "n2", 1, 1, List.of(), 0, 0));
        n2.ready();
        n2.step(new Message.AppendEntries(1, "n1", "n2", 1, 1, List.of(entry(2, 1)), 0, 0));
        Ready write = n2.ready();
        assertThat(write.entriesToAppend()).extracting(LogEntry::index).containsExactly(2L);
        // The acknowledgement waits for this write, which the store refuses.
        assertThat(write.messagesAfterPersist()).hasSize(1);
        n2.step(new Message.AppendEntries(1, "n1", "n2", 2, 1, List.of(), 0, 0)); // acknowledges index 2 too

        n2.storageFailed();
        n2.storageRecovered();

        Ready again = n2.ready();
        assertThat(again.entriesToAppend()).extracting(LogEntry::index).containsExactly(2L);
        assertThat(again.messagesAfterPersist()).isEmpty();
    }

    /** The leader's snapshot is installed even while the log store fails; that alone is work. */
    @Test
    void aSnapshotToRestoreAloneIsWork() {
        RaftProtocol n2 = follower(TestCluster.ticks(), MemoryLog.withTerms(1), new HardState(1, null));
        n2.step(new Message.AppendEntries(1, "n1", "n2", 1, 1, List.of(), 0, 0));
        n2.ready();
        n2.storageFailed();

        n2.step(new Message.InstallSnapshot(1, "n1", "n2", new SnapshotMeta(5, 1, THREE_VOTERS)));

        assertThat(n2.hasReady()).isTrue();
        assertThat(n2.ready().snapshotToRestore()).isEqualTo(new SnapshotMeta(5, 1, THREE_VOTERS));
    }

    /** A log store that keeps no entry in memory: whatever a lagging follower needs is fetched off the raft loop. */
    private static final class OnDiskLog implements DurableLog {
        private final MemoryLog log;

        OnDiskLog(MemoryLog log) {
            this.log = log;
        }

        @Override
        public long snapshotIndex() {
            return log.snapshotIndex();
        }

        @Override
        public long snapshotTerm() {
            return log.snapshotTerm();
        }

        @Override
        public long lastIndex() {
            return log.lastIndex();
        }

        @Override
        public long term(long index) {
            return log.term(index);
        }

        @Override
        public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
            return log.entries(fromIndex, toIndex, maxBytes);
        }

        @Override
        public boolean inMemory(long fromIndex) {
            return false;
        }
    }

    /**
     * A rejection that sends the leader back to entries that are on disk only leaves an EntryFetch as the only work:
     * the driver must read them (off the raft loop) before anything is sent.
     */
    @Test
    void anEntryFetchAloneIsWork() {
        MemoryLog disk = MemoryLog.withTerms(1, 1, 1, 1, 1);
        RaftProtocol n1 = new RaftProtocol("n1", TestCluster.ticks().preVote(false).build(), THREE_VOTERS,
                new HardState(1, null), new OnDiskLog(disk), 0, new SplittableRandom(23));
        for (int i = 0; i < 100 && n1.role() != Role.CANDIDATE; i++) {
            n1.tick();
        }
        n1.ready();
        n1.step(new Message.RequestVoteResponse(2, "n2", "n1", true, false));
        assertThat(n1.role()).isEqualTo(Role.LEADER);
        assertThat(n1.ready().entriesToFetch()).extracting(EntryFetch::peer, EntryFetch::fromIndex)
                .contains(org.assertj.core.groups.Tuple.tuple("n2", 5L));
        n1.entriesFetched("n2", 2, 5, disk.entries(5, 6, Long.MAX_VALUE));
        assertThat(n1.ready().messages()).anyMatch(m -> m instanceof Message.AppendEntries ae
                && ae.to().equals("n2") && ae.prevLogIndex() == 4);

        // n2 holds entries 1..2 only: the leader must go back to entry 3, which is on disk.
        n1.step(new Message.AppendEntriesResponse(2, "n2", "n1", false, 0, 4, 0, 3, 0));

        assertThat(n1.hasReady()).isTrue();
        Ready r = n1.ready();
        assertThat(r.entriesToFetch()).extracting(EntryFetch::peer, EntryFetch::fromIndex)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("n2", 3L));
        assertThat(r.messages()).isEmpty();
    }

    /**
     * The leader's own late write of an entry its followers already committed changes nothing (commitIndex is
     * already there), so it gives the driver nothing to do.
     */
    @Test
    void aLeadersLateWriteOfAnEntryAlreadyCommittedIsNoWork() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        RaftProtocol n1 = c.node("n1");
        ProposeResult x = n1.propose(new byte[] {1});
        Ready write = n1.ready(); // its own disk is slow
        for (Message m : write.messages()) {
            RaftProtocol follower = c.node(m.to());
            follower.step(m);
            Ready fr = follower.ready();
            c.logs.get(m.to()).append(fr.entriesToAppend());
            for (Message ack : fr.messagesAfterPersist()) {
                n1.step(ack);
            }
        }
        assertThat(n1.commitIndex()).as("committed by the followers' copies").isEqualTo(x.index());
        n1.ready();

        c.logs.get("n1").append(write.entriesToAppend());
        n1.persisted(x.index(), x.term());

        assertThat(n1.hasReady()).isFalse();
    }

    /**
     * Only a leader commits by counting replicas (paper Figure 2); a single voter that stepped down because its disk
     * stalled does not commit when the write completes, but once it leads again.
     */
    @Test
    void aServerThatSteppedDownDoesNotCommitByCountingItsOwnWrite() {
        TestCluster c = TestCluster.of(List.of("solo"), b -> { });
        c.electByTicking("solo");
        RaftProtocol solo = c.node("solo");
        long commit = solo.commitIndex();
        ProposeResult p = solo.propose(new byte[] {1});
        Ready write = solo.ready(); // handed to a disk that stalls
        for (int i = 0; i < 100 && solo.role() == Role.LEADER; i++) {
            solo.tick();
        }
        assertThat(solo.role()).isEqualTo(Role.FOLLOWER);

        c.logs.get("solo").append(write.entriesToAppend()); // the write completes at last
        solo.persisted(p.index(), p.term());

        assertThat(solo.commitIndex()).isEqualTo(commit);
        c.electByTicking("solo");
        assertThat(solo.commitIndex()).isGreaterThan(p.index());
    }
}
