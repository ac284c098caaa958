package io.keelraft.core.protocol;

import io.keelraft.core.Role;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Paper Figure 7: when the leader at the top comes to power, followers (a)–(f) may be missing entries, have
 * extra uncommitted entries, or both. The leader brings every one of them into line with its own log.
 */
class Figure7Test {

    @Test
    void newLeaderBringsFollowersAThroughFIntoLine() {
        Map<String, MemoryLog> logs = new LinkedHashMap<>();
        logs.put("leader", MemoryLog.withTerms(1, 1, 1, 4, 4, 5, 5, 6, 6, 6));
        logs.put("a", MemoryLog.withTerms(1, 1, 1, 4, 4, 5, 5, 6, 6));
        logs.put("b", MemoryLog.withTerms(1, 1, 1, 4));
        logs.put("c", MemoryLog.withTerms(1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6));
        logs.put("d", MemoryLog.withTerms(1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7));
        logs.put("e", MemoryLog.withTerms(1, 1, 1, 4, 4, 4, 4));
        logs.put("f", MemoryLog.withTerms(1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3));
        // Leader's entries (the same payloads as in every log built by withTerms at equal (index, term)).
        List<LogEntry> leaderPrefix = logs.get("leader").entries(1, 11, Long.MAX_VALUE);
        TestCluster cluster = new TestCluster(logs, b -> b.maxEntriesPerAppend(3).checkQuorum(false));

        // These servers restart with terms; CheckQuorum is off so that their restart lease window (thesis
        // §4.2.3) does not keep them from voting for a leader elected by ticking it alone.
        cluster.electByTicking("leader");

        RaftProtocol leader = cluster.node("leader");
        assertThat(leader.role()).isEqualTo(Role.LEADER);
        long term = leader.currentTerm();
        assertThat(term).isGreaterThan(7); // it had to outrun (d)'s term 7
        // (c) and (d) hold entries the leader lacks; (d)'s log is more up-to-date, so it never voted for it.
        cluster.tickAll(3);
        for (String follower : List.of("a", "b", "c", "d", "e", "f")) {
            MemoryLog log = cluster.logs.get(follower);
            assertThat(log.lastIndex()).as(follower).isEqualTo(11);
            assertThat(log.entries(1, 11, Long.MAX_VALUE)).as(follower).isEqualTo(leaderPrefix);
            assertThat(log.term(11)).as(follower).isEqualTo(term); // the leader's no-op
        }
        // Everything through the no-op commits and is applied on every server, in order.
        for (String id : logs.keySet()) {
            assertThat(cluster.applied.get(id)).as(id).extracting(LogEntry::index)
                    .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
        }
    }

    @Test
    void repairTakesRoundTripsProportionalToTermsNotEntries() {
        // Follower f diverged after index 3 with 800 entries of terms 2 and 3; the leader has 800 of term 4.
        long[] leaderTerms = new long[803];
        long[] followerTerms = new long[803];
        for (int i = 0; i < 803; i++) {
            leaderTerms[i] = i < 3 ? 1 : 4;
            followerTerms[i] = i < 3 ? 1 : i < 400 ? 2 : 3;
        }
        Map<String, MemoryLog> logs = new LinkedHashMap<>();
        logs.put("leader", MemoryLog.withTerms(leaderTerms));
        logs.put("peer", MemoryLog.withTerms(leaderTerms));
        logs.put("f", MemoryLog.withTerms(followerTerms));
        TestCluster cluster = new TestCluster(logs, b -> b.checkQuorum(false));

        cluster.electByTicking("leader");
        cluster.tickAll(2);

        assertThat(cluster.logs.get("f").terms()).isEqualTo(cluster.logs.get("leader").terms());
        long rejections = cluster.delivered.stream()
                .filter(m -> m instanceof Message.AppendEntriesResponse r && !r.success() && r.from().equals("f"))
                .count();
        // One rejection per conflicting term (3, then 2), not one per entry.
        assertThat(rejections).isBetween(1L, 3L);
    }
}
