package io.keelraft.core.protocol;

import io.keelraft.core.RaftOptions;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.ClusterConfiguration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * More malformed messages, each caught by exactly one check of {@link MessageValidator} (the cases of
 * {@link MalformedMessageTest} are often caught by two, so removing one check went unnoticed), the well-formed
 * edge cases next to them, and the validation of the protocol's value types. Found by mutation testing,
 * docs/MUTATION.md.
 */
class MessageValidationTest {

    private static final ClusterConfiguration THREE = ClusterConfiguration.ofVoters(Set.of("n1", "n2", "n3"));

    private static LogEntry entry(long index, long term) {
        return new LogEntry(index, term, EntryType.COMMAND, new byte[] {1});
    }

    /** n2 at term 2 with entries 1..2 of term 1; these would all be ignored as stale or harmless if not dropped. */
    static Stream<Message> malformed() {
        SnapshotMeta snapshot = new SnapshotMeta(5, 4, THREE);
        return Stream.of(
                // A negative term is caught by nothing else for these types.
                new Message.TimeoutNow(-1, "n1", "n2"),
                new Message.RequestVoteResponse(-1, "n1", "n2", false, false),
                new Message.AppendEntriesResponse(-1, "n1", "n2", false, 0, 0, 0, 0, 0),
                new Message.InstallSnapshot(3, "n1", "n2", null),
                new Message.InstallSnapshot(3, "n1", "n2", snapshot),
                new Message.AppendEntriesResponse(3, "n1", "n2", false, 0, -1, 0, 0, 0),
                new Message.AppendEntriesResponse(3, "n1", "n2", false, 0, 0, 0, -1, 0),
                new Message.AppendEntriesResponse(3, "n1", "n2", false, 0, 0, -1, 0, 0),
                new Message.AppendEntriesResponse(3, "n1", "n2", true, 0, 0, 0, 0, -1),
                new Message.AppendEntriesResponse(3, "n1", "n2", false, 0, 2, 4, 1, 0),
                new Message.RequestVote(9, "n1", "n2", 5, -1, false),
                new Message.RequestVote(9, "n1", "n2", -1, 3, false),
                new Message.RequestVote(0, "n1", "n2", 0, 0, false),
                new Message.RequestVote(9, "n1", "n2", 3, 0, false),
                new Message.AppendEntries(3, "n1", "n2", 2, -1, List.of(), 0, 0),
                new Message.AppendEntries(3, "n1", "n2", 2, 1, List.of(), 0, -1),
                new Message.AppendEntries(3, "n1", "n2", 0, 1, List.of(), 0, 0),
                new Message.AppendEntries(3, "n1", "n2", 2, 1, nullEntry(), 0, 0),
                new Message.AppendEntries(3, "n1", "n2", 0, 0, List.of(entry(1, 0)), 0, 0),
                new Message.AppendEntries(3, "n1", "n2", 2, 1, List.of(entry(3, 2), entry(4, 1)), 0, 0));
    }

    private static List<LogEntry> nullEntry() {
        List<LogEntry> entries = new ArrayList<>();
        entries.add(entry(3, 1));
        entries.add(null);
        return entries;
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void isDroppedCountedAndChangesNothing(Message bad) {
        RaftProtocol p = new RaftProtocol("n2", RaftOptions.defaults(), THREE, new HardState(2, null),
                MemoryLog.withTerms(1, 1), 0, new SplittableRandom(3));
        String before = p.toString();

        p.step(bad);

        assertThat(p.droppedMessages()).isEqualTo(1);
        assertThat(p.toString()).isEqualTo(before);
        assertThat(p.hasReady()).isFalse();
    }

    /** The well-formed edges next to the checks above. */
    static Stream<Message> wellFormed() {
        return Stream.of(
                // A rejection may name a conflicting entry of the response's own term.
                new Message.AppendEntriesResponse(2, "n1", "n2", false, 0, 2, 2, 1, 0),
                // Entries may repeat the previous entry's term, and a snapshot may be of the leader's term.
                new Message.AppendEntries(2, "n1", "n2", 2, 1, List.of(entry(3, 1), entry(4, 1), entry(5, 2)), 0,
                        0),
                new Message.InstallSnapshot(2, "n1", "n2", new SnapshotMeta(5, 2, THREE)),
                new Message.RequestVote(3, "n1", "n2", 2, 1, false),
                new Message.TimeoutNow(2, "n1", "n2"));
    }

    @ParameterizedTest
    @MethodSource("wellFormed")
    void isTaken(Message good) {
        RaftProtocol p = new RaftProtocol("n2", RaftOptions.defaults(), THREE, new HardState(2, null),
                MemoryLog.withTerms(1, 1), 0, new SplittableRandom(3));
        p.step(good);
        assertThat(p.droppedMessages()).isZero();
    }

    @Test
    void valueTypesRejectImpossibleValues() {
        assertThatThrownBy(() -> new HardState(-1, null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new HardState(0, null).currentTerm()).isZero();
        assertThatThrownBy(() -> new SnapshotMeta(0, 1, THREE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SnapshotMeta(1, 0, THREE)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new SnapshotMeta(1, 1, THREE).index()).isEqualTo(1);
        assertThatThrownBy(() -> ClusterConfiguration.ofVoters(Set.<String>of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyLimitMustBePositive() {
        for (var bad : List.<java.util.function.Consumer<RaftOptions.Builder>>of(
                b -> b.electionTimeoutTicks(0), b -> b.heartbeatIntervalTicks(0), b -> b.maxEntriesPerAppend(0),
                b -> b.maxBytesPerAppend(0), b -> b.maxInflightAppends(0), b -> b.maxInflightBytes(0),
                b -> b.maxApplyBatchBytes(0), b -> b.diskStallTicks(-1))) {
            RaftOptions.Builder builder = TestCluster.ticks();
            bad.accept(builder);
            assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class);
        }
        RaftOptions ones = TestCluster.ticks().electionTimeoutTicks(2).heartbeatIntervalTicks(1)
                .maxEntriesPerAppend(1).maxBytesPerAppend(1).maxInflightAppends(1).maxInflightBytes(1)
                .maxApplyBatchBytes(1).build();
        assertThat(ones.heartbeatIntervalTicks()).isEqualTo(1);
        assertThat(ones.maxBytesPerAppend()).isEqualTo(1);
        assertThat(ones.maxApplyBatchBytes()).isEqualTo(1);
        assertThat(ones.diskStallTicks()).as("by default one election timeout").isEqualTo(2);
    }

    @Test
    void configurationPayloadsWithImplausibleCountsAreRejected() {
        byte[] good = THREE.withAddresses(Map.of("n1", "h:1")).encode();
        // Version byte, then the voter count: make it negative, then too large.
        byte[] negative = good.clone();
        negative[1] = (byte) 0xff;
        assertThatThrownBy(() -> ClusterConfiguration.decode(negative)).isInstanceOf(IllegalArgumentException.class);
        byte[] huge = good.clone();
        huge[1] = 0;
        huge[2] = 0;
        huge[3] = 0x27;
        huge[4] = 0x11; // 10,001
        assertThatThrownBy(() -> ClusterConfiguration.decode(huge)).isInstanceOf(IllegalArgumentException.class);
        // The address count sits after the three sets.
        int addressCount = good.length - (2 + "n1".length() + 2 + "h:1".length()) - 4;
        byte[] badAddresses = good.clone();
        badAddresses[addressCount] = (byte) 0xff;
        assertThatThrownBy(() -> ClusterConfiguration.decode(badAddresses))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ClusterConfiguration.decode(good)).isEqualTo(THREE.withAddresses(Map.of("n1", "h:1")));
    }

    @Test
    void readyIsEmptyOnlyWithoutAnyWork() {
        assertThat(Ready.EMPTY.isEmpty()).isTrue();
        assertThat(Ready.EMPTY.nothingToPersist()).isTrue();
        LogEntry e = entry(1, 1);
        Message m = new Message.TimeoutNow(1, "n1", "n2");
        List<Ready> eachWithOneThing = List.of(
                new Ready(null, new HardState(1, null), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
                        null, List.of()),
                new Ready(null, null, List.of(e), List.of(), List.of(), List.of(), List.of(), List.of(), null, List.of()),
                new Ready(null, null, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
                        new SnapshotMeta(1, 1, THREE), List.of()));
        for (Ready r : eachWithOneThing) {
            assertThat(r.nothingToPersist()).as(r.toString()).isFalse();
            assertThat(r.isEmpty()).as(r.toString()).isFalse();
        }
        List<Ready> nothingToPersist = List.of(
                new Ready(null, null, List.of(), List.of(m), List.of(), List.of(), List.of(), List.of(), null, List.of()),
                new Ready(null, null, List.of(), List.of(), List.of(m), List.of(), List.of(), List.of(), null, List.of()),
                new Ready(null, null, List.of(), List.of(), List.of(), List.of(e), List.of(), List.of(), null, List.of()),
                new Ready(null, null, List.of(), List.of(), List.of(), List.of(), List.of(new ReadState(1, 1)), List.of(),
                        null, List.of()),
                new Ready(null, null, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(1L), null, List.of()));
        for (Ready r : nothingToPersist) {
            assertThat(r.nothingToPersist()).as(r.toString()).isTrue();
            assertThat(r.isEmpty()).as(r.toString()).isFalse();
        }
    }
}
