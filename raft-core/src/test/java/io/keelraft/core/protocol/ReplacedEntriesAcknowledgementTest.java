package io.keelraft.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.SnapshotMeta;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A follower acknowledges only entries it stores (paper §5.3). When one batch of input first takes an outdated
 * leader's entries and then a newer leader's that replace them, the acknowledgement of the replaced entries must
 * not leave with the Ready that persists only the replacement: the outdated leader of a five-server cluster could
 * count it and commit an entry that no majority holds (found by mutation testing's review of RaftLog; the runtime
 * steps many messages per Ready, the simulation one).
 */
class ReplacedEntriesAcknowledgementTest {

    private static final ClusterConfiguration FIVE = ClusterConfiguration.ofVoters(Set.of("n1", "n2", "n3", "n4", "n5"));

    private static LogEntry entry(long index, long term) {
        return new LogEntry(index, term, EntryType.COMMAND, new byte[] {(byte) index, (byte) term});
    }

    private static RaftProtocol follower() {
        return new RaftProtocol("n3", RaftOptions.defaults(), FIVE, new HardState(1, null), MemoryLog.withTerms(1), 0,
                new SplittableRandom(3));
    }

    private static List<Message.AppendEntriesResponse> acknowledgements(Ready r, String to) {
        return r.messagesAfterPersist().stream()
                .filter(m -> m instanceof Message.AppendEntriesResponse a && a.success() && a.to().equals(to))
                .map(m -> (Message.AppendEntriesResponse) m).toList();
    }

    @Test
    void entriesReplacedInTheSameBatchAreNotAcknowledgedToTheOutdatedLeader() {
        RaftProtocol n3 = follower();
        n3.step(new Message.AppendEntries(2, "n1", "n3", 1, 1, List.of(entry(2, 2), entry(3, 2)), 0, 0));
        n3.step(new Message.AppendEntries(3, "n2", "n3", 1, 1, List.of(entry(2, 3)), 0, 0));
        Ready r = n3.ready();

        assertThat(r.entriesToAppend()).containsExactly(entry(2, 3));
        assertThat(acknowledgements(r, "n1")).as("acknowledgements of 2@2 and 3@2 to the term-2 leader").isEmpty();
        assertThat(acknowledgements(r, "n2")).extracting(Message.AppendEntriesResponse::matchIndex).containsExactly(2L);
    }

    @Test
    void onlyTheAcknowledgementsOfReplacedEntriesAreDropped() {
        RaftProtocol n3 = follower();
        n3.step(new Message.AppendEntries(2, "n1", "n3", 1, 1, List.of(entry(2, 2)), 0, 0));
        n3.step(new Message.AppendEntries(2, "n1", "n3", 2, 2, List.of(entry(3, 2)), 0, 0));
        // A vote request in the same batch (a transfer's, which the leader lease lets through): denied, as n2's log is
        // shorter, but answered after persist like any vote.
        n3.step(new Message.RequestVote(3, "n2", "n3", 2, 2, false, true));
        // Term 3's leader holds 2@2 but not 3@2: entry 3 is replaced, entry 2 stays.
        n3.step(new Message.AppendEntries(3, "n2", "n3", 2, 2, List.of(entry(3, 3)), 0, 0));
        Ready r = n3.ready();

        assertThat(r.entriesToAppend()).containsExactly(entry(2, 2), entry(3, 3));
        assertThat(acknowledgements(r, "n1")).as("2@2 is still stored; 3@2 is not")
                .extracting(Message.AppendEntriesResponse::matchIndex).containsExactly(2L);
        assertThat(r.messagesAfterPersist()).as("the vote's answer is not an acknowledgement: it stays")
                .anyMatch(m -> m instanceof Message.RequestVoteResponse v && v.to().equals("n2"));
        assertThat(acknowledgements(r, "n2")).extracting(Message.AppendEntriesResponse::matchIndex).containsExactly(3L);
    }

    @Test
    void aSnapshotKeepsTheAcknowledgementsOfCommittedEntries() {
        RaftProtocol n3 = follower();
        n3.step(new Message.AppendEntries(2, "n1", "n3", 1, 1, List.of(entry(2, 2)), 2, 0)); // 2@2 committed
        n3.step(new Message.InstallSnapshot(3, "n2", "n3", new SnapshotMeta(4, 3, FIVE)));
        Ready r = n3.ready();

        assertThat(acknowledgements(r, "n1")).as("committed entries stay committed under any snapshot")
                .extracting(Message.AppendEntriesResponse::matchIndex).containsExactly(2L);
        assertThat(acknowledgements(r, "n2")).extracting(Message.AppendEntriesResponse::matchIndex).containsExactly(4L);
    }

    @Test
    void anAcknowledgementOfEntriesThatStayIsKept() {
        RaftProtocol n3 = follower();
        n3.step(new Message.AppendEntries(2, "n1", "n3", 1, 1, List.of(entry(2, 2)), 0, 0));
        // The newer leader holds 2@2 as well and only adds 3@3: nothing is replaced.
        n3.step(new Message.AppendEntries(3, "n2", "n3", 2, 2, List.of(entry(3, 3)), 0, 0));
        Ready r = n3.ready();

        assertThat(r.entriesToAppend()).containsExactly(entry(2, 2), entry(3, 3));
        assertThat(acknowledgements(r, "n1")).extracting(Message.AppendEntriesResponse::matchIndex).containsExactly(2L);
        assertThat(acknowledgements(r, "n2")).extracting(Message.AppendEntriesResponse::matchIndex).containsExactly(3L);
    }

    @Test
    void entriesASnapshotReplacesInTheSameBatchAreNotAcknowledged() {
        RaftProtocol n3 = follower();
        n3.step(new Message.AppendEntries(2, "n1", "n3", 1, 1, List.of(entry(2, 2), entry(3, 2)), 0, 0));
        // Paper Figure 13, rule 7: the snapshot's last entry (2@3) is not in the log, so the whole log goes.
        n3.step(new Message.InstallSnapshot(3, "n2", "n3", new SnapshotMeta(2, 3, FIVE)));
        Ready r = n3.ready();

        assertThat(acknowledgements(r, "n1")).as("acknowledgements of the discarded 2@2 and 3@2").isEmpty();
        assertThat(acknowledgements(r, "n2")).extracting(Message.AppendEntriesResponse::matchIndex).containsExactly(2L);
    }
}
