package io.keelraft.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keelraft.core.protocol.EntryType;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.Role;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checkers catch contradictory observations fed to them directly, and accept consistent ones. */
class CheckersTest {

    /** A log given as the term of each entry, index 1 first. */
    private static LogView log(long... terms) {
        return new LogView() {
            @Override
            public long lastIndex() {
                return terms.length;
            }

            @Override
            public long term(long index) {
                return index == 0 ? 0 : terms[(int) index - 1];
            }
        };
    }

    private static LogEntry entry(long index, long term, String payload) {
        return new LogEntry(index, term, EntryType.COMMAND, payload.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void electionSafetyRejectsTwoLeadersInOneTerm() {
        ElectionSafety check = new ElectionSafety();
        assertThat(check.leaderObserved(3, "n1")).isTrue();
        assertThat(check.leaderObserved(3, "n1")).isFalse();
        assertThat(check.leaderObserved(4, "n2")).isTrue();

        assertThatThrownBy(() -> check.leaderObserved(3, "n2"))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("Election Safety")
                .hasMessageContaining("both n1 and n2 were leader of term 3");
    }

    @Test
    void leaderAppendOnlyRejectsAShorterLog() {
        LeaderAppendOnly check = new LeaderAppendOnly();
        check.leading("n1", 2, log(1, 1, 2));
        check.leading("n1", 2, log(1, 1, 2, 2));

        assertThatThrownBy(() -> check.leading("n1", 2, log(1, 1, 2)))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("Leader Append-Only")
                .hasMessageContaining("shortened its log from 4 to 3");
    }

    @Test
    void leaderAppendOnlyRejectsAnOverwrittenEntry() {
        LeaderAppendOnly check = new LeaderAppendOnly();
        check.leading("n1", 3, log(1, 1, 3));

        assertThatThrownBy(() -> check.leading("n1", 3, log(1, 2, 2, 3)))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("replaced its entry 3@3");
    }

    @Test
    void leaderAppendOnlyAllowsANewTermToStartOver() {
        LeaderAppendOnly check = new LeaderAppendOnly();
        check.leading("n1", 3, log(1, 1, 3, 3));
        check.notLeading("n1");

        assertThatCode(() -> check.leading("n1", 5, log(1, 1, 5))).doesNotThrowAnyException();
    }

    @Test
    void leaderAppendOnlyRejectsWritesOverTheLeadersOwnLog() {
        LeaderAppendOnly check = new LeaderAppendOnly();
        check.handedToDisk("n1", 4, 7, List.of(entry(8, 4, "a"), entry(9, 4, "b")));

        assertThatThrownBy(() -> check.handedToDisk("n1", 4, 9, List.of(entry(9, 4, "c"))))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("wrote entries [9@4] over its log, which already reached index 9");
        assertThatThrownBy(() -> check.handedToDisk("n1", 4, 9, List.of(entry(10, 3, "c"))))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("appended entry 10@3 of another term");
    }

    @Test
    void logMatchingRejectsOneEntryWithTwoHistories() {
        LogMatching check = new LogMatching();
        check.durable("n1", List.of(entry(1, 1, "a"), entry(2, 1, "b"), entry(3, 3, "c")));
        check.durable("n2", List.of(entry(1, 1, "a"), entry(2, 1, "b")));
        check.durable("n2", List.of(entry(3, 3, "c"))); // the same history, written in two steps
        check.durable("n3", List.of(entry(1, 1, "a"), entry(2, 2, "x"))); // a different entry at index 2

        assertThatThrownBy(() -> check.durable("n3", List.of(entry(3, 3, "c"))))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("Log Matching")
                .hasMessageContaining("n3 and n1 both hold entry 3@3 but their logs first differ at index 2");
    }

    @Test
    void logMatchingRejectsOneIndexAndTermWithTwoPayloads() {
        LogMatching check = new LogMatching();
        check.durable("n1", List.of(entry(1, 1, "a")));

        assertThatThrownBy(() -> check.durable("n2", List.of(entry(1, 1, "b"))))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("both hold entry 1@1");
    }

    @Test
    void logMatchingFollowsSuffixTruncation() {
        LogMatching check = new LogMatching();
        check.durable("n1", List.of(entry(1, 1, "a"), entry(2, 1, "b")));
        check.durable("n2", List.of(entry(1, 1, "a"), entry(2, 2, "z")));
        check.durable("n2", List.of(entry(2, 1, "b"), entry(3, 3, "c"))); // replaces 2@2

        assertThatCode(() -> check.durable("n1", List.of(entry(3, 3, "c")))).doesNotThrowAnyException();
    }

    /** History hash of {@code entries}, as logs, state machines and snapshots compute it. */
    private static long hash(LogEntry... entries) {
        long h = HistoryHash.EMPTY;
        for (LogEntry e : entries) {
            h = HistoryHash.extend(h, e);
        }
        return h;
    }

    /** A log compacted through {@code base} (whose prefix hashes to {@code baseHash}), then these terms. */
    private static LogView compactedLog(long base, long baseHash, long... termsFromBase) {
        return new LogView() {
            @Override
            public long lastIndex() {
                return base + termsFromBase.length - 1;
            }

            @Override
            public long term(long index) {
                return termsFromBase[(int) (index - base)];
            }

            @Override
            public long snapshotIndex() {
                return base;
            }

            @Override
            public long snapshotHash() {
                return baseHash;
            }
        };
    }

    @Test
    void logMatchingChecksALogDiscardedForASnapshotAgainstTheSnapshotsHistory() {
        LogMatching check = new LogMatching();
        LogEntry a = entry(1, 1, "a");
        LogEntry b = entry(2, 1, "b");
        check.durable("n1", List.of(a, b, entry(3, 2, "c")));
        // n2 installs a snapshot of 1..2 and continues after it with the same history as n1.
        check.compacted("n2", 2, 1, hash(a, b), false);
        assertThatCode(() -> check.durable("n2", List.of(entry(3, 2, "c")))).doesNotThrowAnyException();

        // A snapshot of another history ending in the same entry 2@1 is caught at once.
        assertThatThrownBy(() -> check.compacted("n3", 2, 1, hash(a, entry(2, 1, "z")), false))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("n3 and n1 both hold entry 2@1");
    }

    @Test
    void logMatchingRejectsKeepingEntriesAfterASnapshotOfAnotherHistory() {
        LogMatching check = new LogMatching();
        check.durable("n1", List.of(entry(1, 1, "a"), entry(2, 1, "b"), entry(3, 1, "c")));

        assertThatThrownBy(() -> check.compacted("n1", 2, 1, hash(entry(1, 1, "a"), entry(2, 1, "y")), true))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("kept the entries after it");
    }

    @Test
    void stateMachineSafetyChecksARestoredSnapshotAgainstWhatWasApplied() {
        StateMachineSafety check = new StateMachineSafety();
        LogEntry a = entry(1, 1, "a");
        LogEntry b = entry(2, 1, "b");
        check.applied("n1", 0, a, 1);
        check.applied("n1", 1, b, 1);

        assertThatCode(() -> check.restored("n2", 2, hash(a, b), "a snapshot")).doesNotThrowAnyException();
        assertThatThrownBy(() -> check.restored("n2", 2, hash(a, entry(2, 1, "z")), "a snapshot"))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("differs from what the servers applied");
        assertThatThrownBy(() -> check.restored("n2", 3, hash(a, b, entry(3, 1, "c")), "a snapshot"))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("beyond index 2");
    }

    @Test
    void leaderCompletenessChecksACompactedPrefixByItsHash() {
        StateMachineSafety committed = new StateMachineSafety();
        LogEntry a = entry(1, 1, "a");
        LogEntry b = entry(2, 1, "b");
        committed.applied("n1", 0, a, 1);
        committed.applied("n1", 1, b, 1);
        committed.applied("n1", 2, entry(3, 2, "c"), 2);
        LeaderCompleteness check = new LeaderCompleteness(committed);

        assertThatCode(() -> check.becameLeader("n2", 3, compactedLog(2, hash(a, b), 1, 2)))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> check.becameLeader("n3", 4, compactedLog(2, hash(a, entry(2, 1, "z")), 1, 2)))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("compacted through index 2, does not hold the committed entries");
    }

    @Test
    void stateMachineSafetyRejectsTwoEntriesAppliedAtOneIndex() {
        StateMachineSafety check = new StateMachineSafety();
        assertThat(check.applied("n1", 0, entry(1, 1, "a"), 1)).isTrue();
        assertThat(check.applied("n2", 0, entry(1, 1, "a"), 2)).isFalse();

        assertThatThrownBy(() -> check.applied("n3", 0, entry(1, 2, "b"), 2))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("State Machine Safety")
                .hasMessageContaining("n3 applied LogEntry{1@2");
    }

    @Test
    void stateMachineSafetyRejectsAGapInApplication() {
        StateMachineSafety check = new StateMachineSafety();
        check.applied("n1", 0, entry(1, 1, "a"), 1);

        assertThatThrownBy(() -> check.applied("n1", 1, entry(3, 1, "c"), 1))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("right after index 1");
    }

    @Test
    void leaderCompletenessRejectsALeaderMissingACommittedEntry() {
        StateMachineSafety committed = new StateMachineSafety();
        committed.applied("n1", 0, entry(1, 1, "a"), 1);
        committed.applied("n1", 1, entry(2, 2, "b"), 2);
        LeaderCompleteness check = new LeaderCompleteness(committed);

        check.becameLeader("n2", 3, log(1, 2)); // holds both
        assertThatThrownBy(() -> check.becameLeader("n3", 4, log(1, 3)))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("Leader Completeness")
                .hasMessageContaining("n3 is leader of term 4 but its log has term 3 at index 2");
        assertThatThrownBy(() -> check.becameLeader("n3", 5, log(1)))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("ends at index 1");
    }

    @Test
    void leaderCompletenessOnlyBindsLeadersOfLaterTerms() {
        StateMachineSafety committed = new StateMachineSafety();
        committed.applied("n1", 0, entry(1, 5, "a"), 5);
        LeaderCompleteness check = new LeaderCompleteness(committed);

        // A leader of term 5 or earlier may lack an entry first known committed in term 5.
        assertThatCode(() -> check.becameLeader("n2", 5, log())).doesNotThrowAnyException();
    }

    @Test
    void leaderCompletenessRejectsANewCommitMissingFromACurrentLeader() {
        StateMachineSafety committed = new StateMachineSafety();
        LeaderCompleteness check = new LeaderCompleteness(committed);
        check.becameLeader("n2", 4, log(1, 1));
        LogEntry e = entry(1, 2, "a");
        committed.applied("n1", 0, e, 3);

        assertThatThrownBy(() -> check.committed(e, 3))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("n2 is leader of term 4 but its log has term 1 at index 1");
    }

    @Test
    void linearizableReadsRejectAStaleReadIndex() {
        LinearizableReads check = new LinearizableReads();
        check.commitIndexObserved(7);
        check.issued(1, "ReadIndex");
        check.commitIndexObserved(9);
        check.issued(2, "lease");
        check.confirmed("n1", 1, 7);

        assertThatThrownBy(() -> check.confirmed("n1", 2, 8))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("Linearizable Reads")
                .hasMessageContaining("confirmed lease read 2 at index 8, but index 9 was already committed");
        assertThatThrownBy(() -> check.confirmed("n1", 1, 9))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("unknown or was already answered");
    }

    @Test
    void invariantsCountElections() {
        Invariants invariants = new Invariants();
        List<Long> terms = new ArrayList<>(List.of(1L, 1L, 2L, 4L));
        for (long term : terms) {
            invariants.observe("n" + term, Role.LEADER, term, 0, log());
        }
        assertThat(invariants.elections()).isEqualTo(3);
    }

    @Test
    void aViolationInARunNamesTheSeedAndTheRerunCommand() {
        SafetyViolation bare = new SafetyViolation("Election Safety", "both n1 and n2 were leader of term 3");
        SimulationFailure inRun = bare.in(new SimulationFailure.RunContext(77, 5, "5 nodes, seed 77", 1234, 999,
                "  100 ms  n1   now LEADER in term 3\n", "  120 ms  n2   now LEADER in term 3\n"));

        assertThat(inRun).isInstanceOf(SafetyViolation.class);
        assertThat(inRun.seed()).isEqualTo(77);
        assertThat(inRun.clusterSize()).isEqualTo(5);
        assertThat(inRun.getMessage())
                .contains("Election Safety violated (seed 77, 5 nodes, at 1234 ms virtual, event 999)")
                .contains("both n1 and n2 were leader of term 3")
                .contains("mvn -B -ntp -pl raft-testkit -am verify -Dkeel.sim.seeds=1 -Dkeel.sim.baseSeed=77")
                .contains("now LEADER in term 3");
    }
}
