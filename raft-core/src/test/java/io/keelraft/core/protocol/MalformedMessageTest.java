package io.keelraft.core.protocol;

import io.keelraft.core.RaftOptions;
import io.keelraft.core.ClusterConfiguration;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad input from the network is dropped, counted, and changes nothing. */
class MalformedMessageTest {

    private static final ClusterConfiguration THREE = ClusterConfiguration.ofVoters(Set.of("n1", "n2", "n3"));

    private static LogEntry entry(long index, long term) {
        return new LogEntry(index, term, EntryType.COMMAND, new byte[] {1});
    }

    static Stream<Message> malformed() {
        return Stream.of(
                new Message.TimeoutNow(0, "n1", "n2"),
                new Message.AppendEntries(3, "n1", "n9", 2, 1, List.of(), 0, 0),
                new Message.AppendEntries(3, "n2", "n2", 2, 1, List.of(), 0, 0),
                new Message.AppendEntries(-1, "n1", "n2", 2, 1, List.of(), 0, 0),
                new Message.AppendEntries(3, "n1", "n2", -5, 1, List.of(), 0, 0),
                new Message.AppendEntries(3, "n1", "n2", 2, 1, List.of(), -1, 0),
                new Message.AppendEntries(3, "n1", "n2", 2, 4, List.of(), 0, 0),
                new Message.AppendEntries(3, "n1", "n2", 2, 1, List.of(entry(4, 3)), 0, 0),
                new Message.AppendEntries(3, "n1", "n2", 2, 1, List.of(entry(3, 3), entry(5, 3)), 0, 0),
                new Message.AppendEntries(3, "n1", "n2", 2, 1, List.of(entry(3, 9)), 0, 0),
                new Message.AppendEntries(3, "n1", "n2", 2, 2, List.of(entry(3, 1)), 0, 0),
                new Message.AppendEntries(3, "n1", "n2", 2, 1,
                        List.of(new LogEntry(3, 3, EntryType.CONFIGURATION, new byte[] {42, 0})), 0, 0),
                new Message.RequestVote(9, "n1", "n2", -1, 0, false),
                new Message.RequestVote(9, "n1", "n2", 5, 9, false),
                new Message.RequestVote(9, "n1", "n2", 0, 3, false),
                new Message.RequestVote(0, "n1", "n2", 0, 0, true),
                new Message.AppendEntriesResponse(3, "n1", "n2", true, -2, 0, 0, 0, 0),
                new Message.AppendEntriesResponse(3, "n1", "n2", false, 0, 0, 7, 0, 0));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void isDroppedCountedAndChangesNothing(Message bad) {
        MemoryLog log = MemoryLog.withTerms(1, 1);
        RaftProtocol p = new RaftProtocol("n2", RaftOptions.defaults(), THREE, new HardState(2, null), log,
                0, new SplittableRandom(3));
        String before = p.toString();

        p.step(bad);

        assertThat(p.droppedMessages()).isEqualTo(1);
        assertThat(p.toString()).isEqualTo(before);
        assertThat(p.hasReady()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void isDroppedByALeaderToo(Message bad) {
        TestCluster c = TestCluster.of(List.of("n1", "n2", "n3"), b -> { });
        c.electByTicking("n2");
        RaftProtocol leader = c.node("n2");
        String before = leader.toString();
        leader.step(bad);
        assertThat(leader.droppedMessages()).isEqualTo(1);
        assertThat(leader.toString()).isEqualTo(before);
    }

    @org.junit.jupiter.api.Test
    void aNullMessageIsDroppedToo() {
        RaftProtocol p = new RaftProtocol("n2", RaftOptions.defaults(), THREE, HardState.INITIAL,
                new MemoryLog(), 0, new SplittableRandom(3));
        p.step(null);
        assertThat(p.droppedMessages()).isEqualTo(1);
    }

    @org.junit.jupiter.api.Test
    void anAcknowledgementBeyondTheLeadersLogIsDropped() {
        TestCluster c = TestCluster.of(List.of("n1", "n2", "n3"), b -> { });
        c.electByTicking("n1");
        RaftProtocol leader = c.node("n1");
        leader.step(new Message.AppendEntriesResponse(leader.currentTerm(), "n2", "n1", true, 1_000, 0, 0, 0, 0));
        leader.step(new Message.AppendEntriesResponse(leader.currentTerm(), "n3", "n1", true, 1_000, 0, 0, 0, 0));
        leader.step(new Message.AppendEntriesResponse(leader.currentTerm(), "n3", "n1", false, 0, 500, 0, 900, 0));
        assertThat(leader.droppedMessages()).isEqualTo(3);
        // Replication still works afterwards.
        ProposeResult r = leader.propose(new byte[] {1});
        c.settle();
        assertThat(c.node("n3").commitIndex()).isGreaterThanOrEqualTo(r.index() - 1);
        assertThat(leader.commitIndex()).isEqualTo(r.index());
    }

    @org.junit.jupiter.api.Test
    void messagesFromStrangersAreIgnoredExceptALeadersAppendEntries() {
        MemoryLog log = MemoryLog.withTerms(1, 1);
        RaftProtocol p = new RaftProtocol("n2", RaftOptions.defaults(), THREE, new HardState(2, null), log,
                0, new SplittableRandom(3));
        String before = p.toString();
        // A removed server that has not learned it: its log lacks the entries that removed it.
        p.step(new Message.RequestVote(9, "stranger", "n2", 1, 1, false, true));
        p.step(new Message.TimeoutNow(2, "stranger", "n2"));
        p.step(new Message.AppendEntriesResponse(2, "stranger", "n2", true, 1, 0, 0, 0, 0));
        assertThat(p.strangerMessages()).isEqualTo(3);
        assertThat(p.droppedMessages()).isZero();
        assertThat(p.toString()).isEqualTo(before);
        assertThat(p.hasReady()).isFalse();

        // A candidate of a configuration this server has not received, with a log at least as up to date, is
        // answered: it may need this vote.
        p.step(new Message.RequestVote(9, "stranger", "n2", 2, 1, false, true)); // transfer: past the lease
        assertThat(p.currentTerm()).isEqualTo(9);
        assertThat(p.votedFor()).isEqualTo("stranger");

        // A leader elected in a configuration this server has not seen yet brings it with its AppendEntries.
        p.step(new Message.AppendEntries(9, "n9", "n2", 2, 1, List.of(entry(3, 9)), 0, 0));
        assertThat(p.leaderId()).isEqualTo("n9");
        assertThat(p.lastIndex()).isEqualTo(3);
    }
}
