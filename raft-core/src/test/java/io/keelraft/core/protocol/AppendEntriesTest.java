package io.keelraft.core.protocol;

import io.keelraft.core.RaftOptions;
import io.keelraft.core.ClusterConfiguration;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The follower side of AppendEntries (paper Figure 2 receiver rules, §5.3). */
class AppendEntriesTest {

    private static final ClusterConfiguration THREE = ClusterConfiguration.ofVoters(Set.of("n1", "n2", "n3"));

    private static RaftProtocol follower(MemoryLog log, long term) {
        return new RaftProtocol("n2", RaftOptions.defaults(), THREE, new HardState(term, null), log, 0,
                new SplittableRandom(7));
    }

    private static LogEntry entry(long index, long term) {
        return new LogEntry(index, term, EntryType.COMMAND, new byte[] {(byte) index, (byte) term});
    }

    private static Message.AppendEntriesResponse onlyResponse(Ready r) {
        assertThat(r.messagesAfterPersist()).hasSize(1);
        return (Message.AppendEntriesResponse) r.messagesAfterPersist().get(0);
    }

    @Test
    void rejectsWhenPrevLogTermDoesNotMatchAndReportsTheConflictingTerm() {
        RaftProtocol f = follower(MemoryLog.withTerms(1, 1, 2, 2, 2), 2);
        f.step(new Message.AppendEntries(3, "n1", "n2", 5, 3, List.of(entry(6, 3)), 0, 0));
        Ready r = f.ready();
        Message.AppendEntriesResponse resp = onlyResponse(r);
        assertThat(resp.success()).isFalse();
        assertThat(resp.rejectedIndex()).isEqualTo(5);
        assertThat(resp.conflictTerm()).isEqualTo(2);
        assertThat(resp.conflictIndex()).as("first index of term 2").isEqualTo(3);
        assertThat(r.entriesToAppend()).isEmpty();
        assertThat(f.lastIndex()).isEqualTo(5);
    }

    @Test
    void rejectsWhenTheLogIsTooShortAndReportsItsLength() {
        RaftProtocol f = follower(MemoryLog.withTerms(1, 1), 1);
        f.step(new Message.AppendEntries(2, "n1", "n2", 7, 2, List.of(), 0, 0));
        Message.AppendEntriesResponse resp = onlyResponse(f.ready());
        assertThat(resp.success()).isFalse();
        assertThat(resp.conflictTerm()).isZero();
        assertThat(resp.conflictIndex()).isEqualTo(3);
    }

    @Test
    void truncatesAConflictingSuffixButNeverAMatchingEntry() {
        MemoryLog log = MemoryLog.withTerms(1, 1, 2, 2);
        RaftProtocol f = follower(log, 2);
        // Entry 3 matches (term 2), entry 4 conflicts (term 3 replaces term 2), entry 5 is new.
        LogEntry e3 = log.entries(3, 4, Long.MAX_VALUE).get(0);
        f.step(new Message.AppendEntries(3, "n1", "n2", 2, 1, List.of(e3, entry(4, 3), entry(5, 3)), 0, 0));
        Ready r = f.ready();
        assertThat(r.entriesToAppend()).containsExactly(entry(4, 3), entry(5, 3));
        assertThat(onlyResponse(r).matchIndex()).isEqualTo(5);

        // A delayed, older AppendEntries carrying only entry 3 must not cut entries 4 and 5 off again.
        f.step(new Message.AppendEntries(3, "n1", "n2", 2, 1, List.of(e3), 0, 0));
        Ready again = f.ready();
        assertThat(again.entriesToAppend()).isEmpty();
        assertThat(f.lastIndex()).isEqualTo(5);
        assertThat(onlyResponse(again).matchIndex()).isEqualTo(3);
    }

    @Test
    void commitIndexIsTheMinimumOfLeaderCommitAndTheLastNewEntry() {
        RaftProtocol f = follower(new MemoryLog(), 1);
        f.step(new Message.AppendEntries(1, "n1", "n2", 0, 0, List.of(entry(1, 1), entry(2, 1)), 10, 0));
        Ready r = f.ready();
        assertThat(f.commitIndex()).isEqualTo(2);
        assertThat(r.committedEntries()).extracting(LogEntry::index).containsExactly(1L, 2L);
    }

    @Test
    void aHeartbeatDoesNotCommitBeyondWhatItChecked() {
        RaftProtocol f = follower(MemoryLog.withTerms(1, 1, 1), 1);
        // The follower's entries 2..3 were never checked against this leader's log: only index 1 was.
        f.step(new Message.AppendEntries(1, "n1", "n2", 1, 1, List.of(), 3, 0));
        f.ready();
        assertThat(f.commitIndex()).isEqualTo(1);
    }

    @Test
    void anAppendAtOrBelowCommitIndexIsAcknowledgedUpToCommitIndex() {
        RaftProtocol f = follower(new MemoryLog(), 1);
        f.step(new Message.AppendEntries(1, "n1", "n2", 0, 0, List.of(entry(1, 1), entry(2, 1)), 2, 0));
        f.ready();
        f.step(new Message.AppendEntries(1, "n1", "n2", 0, 0, List.of(entry(1, 1)), 2, 0));
        Message.AppendEntriesResponse resp = onlyResponse(f.ready());
        assertThat(resp.success()).isTrue();
        assertThat(resp.matchIndex()).isEqualTo(2);
    }

    @Test
    void acknowledgementsWaitForPersistence() {
        RaftProtocol f = follower(new MemoryLog(), 1);
        f.step(new Message.AppendEntries(1, "n1", "n2", 0, 0, List.of(entry(1, 1)), 0, 0));
        Ready r = f.ready();
        assertThat(r.entriesToAppend()).hasSize(1);
        assertThat(r.messages()).isEmpty();
        assertThat(r.messagesAfterPersist()).hasSize(1);
    }

    @Test
    void aLeaderPipelinesWithinItsInflightWindowAndSendsBeforeItsOwnWriteIsDurable() {
        TestCluster c = TestCluster.of(List.of("n1", "n2", "n3"), b -> b.maxInflightAppends(4).maxEntriesPerAppend(1));
        c.electByTicking("n1");
        RaftProtocol leader = c.node("n1");
        for (int i = 0; i < 10; i++) {
            leader.propose(new byte[] {(byte) i});
        }
        Ready r = leader.ready();
        // Thesis §10.2.1: entries leave for followers in the same batch that writes them locally.
        assertThat(r.entriesToAppend()).hasSize(10);
        assertThat(r.messages()).filteredOn(m -> m.to().equals("n2")).hasSize(4);
        assertThat(r.messages()).filteredOn(m -> m.to().equals("n3")).hasSize(4);
        assertThat(leader.commitIndex()).as("nothing acknowledged yet").isEqualTo(1);
    }

    @Test
    void theInflightWindowIsAlsoBoundedByBytes() {
        TestCluster c = TestCluster.of(List.of("n1", "n2", "n3"),
                b -> b.maxInflightBytes(3_000).maxBytesPerAppend(1_000).maxEntriesPerAppend(100));
        c.electByTicking("n1");
        RaftProtocol leader = c.node("n1");
        for (int i = 0; i < 50; i++) {
            leader.propose(new byte[900]);
        }
        Ready r = leader.ready();
        long bytesToN2 = r.messages().stream().filter(m -> m.to().equals("n2"))
                .mapToLong(m -> ((Message.AppendEntries) m).entries().stream().mapToLong(LogEntry::sizeInBytes).sum())
                .sum();
        assertThat(bytesToN2).isLessThanOrEqualTo(3_000 + 1_000);
    }
}
