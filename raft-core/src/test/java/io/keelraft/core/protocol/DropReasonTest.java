package io.keelraft.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A malformed or misaddressed message is dropped, and the warning that reports the drop says what is wrong with
 * it: that reason is all an operator has to find a misrouted transport, a misconfigured id or a broken peer.
 * {@link MessageValidator} names the problem; these cases pin that each check names its own. Found by mutation
 * testing (docs/mutation/part-c.md).
 */
class DropReasonTest {

    private static final Set<String> KNOWN = Set.of("n1", "n2", "n3");
    private static final ClusterConfiguration THREE = ClusterConfiguration.ofVoters(KNOWN);

    private static LogEntry entry(long index, long term) {
        return new LogEntry(index, term, EntryType.COMMAND, new byte[] {1});
    }

    private static List<LogEntry> withNull() {
        List<LogEntry> entries = new ArrayList<>();
        entries.add(null);
        return entries;
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of(null, "null message"),
                Arguments.of(new Message.TimeoutNow(1, "n1", "n3"), "addressed to n3"),
                Arguments.of(new Message.TimeoutNow(1, "n2", "n2"), "this server itself"),
                Arguments.of(new Message.TimeoutNow(-1, "n1", "n2"), "negative term"),
                Arguments.of(new Message.RequestVote(3, "n1", "n2", -1, 1, false), "negative lastLogIndex"),
                Arguments.of(new Message.RequestVote(0, "n1", "n2", 0, 0, false), "term 0"),
                Arguments.of(new Message.RequestVote(3, "n1", "n2", 5, 3, false), "not below the campaign term"),
                Arguments.of(new Message.RequestVote(3, "n1", "n2", 0, 2, false), "disagree"),
                Arguments.of(new Message.AppendEntries(3, "n1", "n2", -1, 0, List.of(), 0, 0), "negative prevLogIndex"),
                Arguments.of(new Message.AppendEntries(3, "n1", "n2", 2, 4, List.of(), 0, 0),
                        "prevLogTerm 4 above the leader's term"),
                Arguments.of(new Message.AppendEntries(3, "n1", "n2", 2, 0, List.of(), 0, 0), "disagree"),
                Arguments.of(new Message.AppendEntries(3, "n1", "n2", 2, 1, withNull(), 0, 0), "null entry"),
                Arguments.of(new Message.AppendEntries(3, "n1", "n2", 2, 1, List.of(entry(4, 1)), 0, 0),
                        "entry index 4 where 3 was expected"),
                Arguments.of(new Message.AppendEntries(3, "n1", "n2", 2, 2, List.of(entry(3, 1)), 0, 0),
                        "entry 3 has term 1"),
                Arguments.of(new Message.AppendEntries(3, "n1", "n2", 2, 1,
                        List.of(new LogEntry(3, 1, EntryType.CONFIGURATION, new byte[] {9})), 0, 0),
                        "malformed configuration"),
                Arguments.of(new Message.InstallSnapshot(3, "n1", "n2", null), "without snapshot"),
                Arguments.of(new Message.InstallSnapshot(3, "n1", "n2", new SnapshotMeta(5, 4, THREE)),
                        "snapshot term 4 above"),
                Arguments.of(new Message.TimeoutNow(0, "n1", "n2"), "TimeoutNow for term 0"),
                Arguments.of(new Message.AppendEntriesResponse(3, "n1", "n2", false, 0, 0, 0, -1, 0), "negative"),
                Arguments.of(new Message.AppendEntriesResponse(3, "n1", "n2", false, 0, 2, 4, 1, 0),
                        "conflictTerm 4 above"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void isDroppedWithAReasonNamingTheProblem(Message bad, String reason) {
        assertThat(MessageValidator.problem(bad, "n2", KNOWN)).contains(reason);

        RaftProtocol p = new RaftProtocol("n2", RaftOptions.defaults(), THREE, new HardState(2, null),
                MemoryLog.withTerms(1, 1), 0, new SplittableRandom(3));
        p.step(bad);
        assertThat(p.droppedMessages()).isEqualTo(1);
    }
}
