package io.keelraft.core.protocol;

import io.keelraft.core.Role;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Paper Figure 8: a leader must not commit an entry of an earlier term by counting replicas, because a server
 * with a more up-to-date last term can still be elected and overwrite it. The situation of Figure 8 (c):
 * S1 leads in term 4 and has replicated the term-2 entry at index 2 to a majority (S1, S2, S3).
 */
class Figure8Test {

    private TestCluster figure8c() {
        Map<String, MemoryLog> logs = new LinkedHashMap<>();
        logs.put("s1", MemoryLog.withTerms(1, 2));
        logs.put("s2", MemoryLog.withTerms(1, 2));
        logs.put("s3", MemoryLog.withTerms(1));
        logs.put("s4", MemoryLog.withTerms(1));
        logs.put("s5", MemoryLog.withTerms(1, 3));
        // One entry per AppendEntries, so index 2 reaches S3 before the new term's no-op does. CheckQuorum's
        // leader lease is off so that S5 can be elected by ticking S5 alone, as in Figure 8 (d).
        return new TestCluster(logs, b -> b.maxEntriesPerAppend(1).checkQuorum(false));
    }

    /** Lets S1 win, then delivers nothing to S3 but its own copy of index 2, so index 3 (term 4) is not replicated. */
    private TestCluster s1LeadsWithOldEntryOnMajority() {
        TestCluster c = figure8c();
        c.isolate("s5");
        // The new term's entry (the no-op at index 3) must not be stored anywhere but on S1; appends that the
        // receiver will reject (it lacks index 2) still get through, so S3 and S4 are repaired up to index 2.
        c.dropWhen(m -> m instanceof Message.AppendEntries ae && c.logs.get(ae.to()).lastIndex() >= 2
                && ae.entries().stream().anyMatch(e -> e.index() >= 3));
        c.electByTicking("s1");
        c.tick(2, "s1");
        return c;
    }

    @Test
    void oldTermEntryOnAMajorityIsNotCommittedByCounting() {
        TestCluster c = s1LeadsWithOldEntryOnMajority();
        RaftProtocol s1 = c.node("s1");
        assertThat(s1.role()).isEqualTo(Role.LEADER);
        assertThat(c.logs.get("s3").terms()).containsExactly(1L, 2L);
        assertThat(c.logs.get("s4").terms()).containsExactly(1L, 2L);
        assertThat(s1.matchIndexes()).as("index 2 (term 2) is on a majority: S1, S2, S3")
                .containsEntry("s2", 2L).containsEntry("s3", 2L);
        // The rule under test: counting replicas would commit index 2 here; a leader of term 4 must not.
        assertThat(s1.commitIndex()).as("index 2 (term 2) is on a majority but must not commit").isLessThan(2);

        // Once the term-4 no-op reaches a majority, index 2 commits with it (paper §5.4.2).
        // (The dropped pipelined appends are resent once the leader sees them stall: one election timeout.)
        c.dropWhen(m -> false);
        c.tick(12, "s1");
        assertThat(s1.commitIndex()).isEqualTo(3);
    }

    @Test
    void withoutTheRuleS5WouldOverwriteTheEntry() {
        // Figure 8 (d): S5, with last term 3, can be elected by S2, S3, S4 and overwrites index 2 everywhere.
        TestCluster c = s1LeadsWithOldEntryOnMajority();
        c.isolate("s1");
        c.reconnect("s5");
        c.dropWhen(m -> false);
        c.electByTicking("s5");
        c.tick(3, "s5");
        assertThat(c.node("s5").role()).isEqualTo(Role.LEADER);
        assertThat(c.logs.get("s3").term(2)).isEqualTo(3);
        // Had S1 counted index 2 as committed, a committed entry would now be lost; it did not, so nothing was.
        assertThat(c.applied.get("s1")).extracting(LogEntry::index).doesNotContain(2L);
    }
}
