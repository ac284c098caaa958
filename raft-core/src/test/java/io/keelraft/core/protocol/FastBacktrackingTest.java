package io.keelraft.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Fast backtracking (paper §5.3, the optimisation at the end of the section): a follower that rejects an
 * AppendEntries names the term of its conflicting entry and the first index of that term; the leader retries just
 * after its own last entry of that term, or, if it has none, at the first index of the follower's run. Each case
 * checks where the very next AppendEntries starts. Found by mutation testing (docs/mutation/part-c.md).
 */
class FastBacktrackingTest {

    private static final ClusterConfiguration THREE_VOTERS = ClusterConfiguration.ofVoters(Set.of("n1", "n2", "n3"));

    /** n1 leads term 4 with entries 1..7 of terms 1,1,1,3,3,3,3 (and its no-op at 8); returns its probe to n2. */
    private static Message.AppendEntries leaderAndFirstProbe(RaftProtocol[] leader) {
        RaftProtocol n1 = new RaftProtocol("n1", TestCluster.ticks().preVote(false).build(), THREE_VOTERS,
                new HardState(3, null), MemoryLog.withTerms(1, 1, 1, 3, 3, 3, 3), 0, new SplittableRandom(19));
        for (int i = 0; i < 100 && n1.role() != Role.CANDIDATE; i++) {
            n1.tick();
        }
        n1.ready();
        n1.step(new Message.RequestVoteResponse(4, "n3", "n1", true, false));
        assertThat(n1.role()).isEqualTo(Role.LEADER);
        assertThat(n1.currentTerm()).isEqualTo(4);
        leader[0] = n1;
        return appendTo(n1, "n2");
    }

    private static Message.AppendEntries appendTo(RaftProtocol leader, String peer) {
        List<Message.AppendEntries> appends = leader.ready().messages().stream()
                .filter(m -> m instanceof Message.AppendEntries ae && ae.to().equals(peer))
                .map(m -> (Message.AppendEntries) m).toList();
        assertThat(appends).hasSize(1);
        return appends.get(0);
    }

    private static Message.AppendEntries retryAfter(long conflictTerm, long conflictIndex) {
        RaftProtocol[] leader = new RaftProtocol[1];
        Message.AppendEntries probe = leaderAndFirstProbe(leader);
        leader[0].step(new Message.AppendEntriesResponse(4, "n2", "n1", false, 0, probe.prevLogIndex(),
                conflictTerm, conflictIndex, 0));
        Message.AppendEntries retry = appendTo(leader[0], "n2");
        // The retry carries everything after its prevLogIndex, and the term the leader holds there.
        assertThat(retry.prevLogTerm()).isEqualTo(leader[0].term(retry.prevLogIndex()));
        assertThat(retry.entries()).first().extracting(LogEntry::index).isEqualTo(retry.prevLogIndex() + 1);
        return retry;
    }

    /** The follower's entries at the probe are of term 1 from index 1 on: the leader's term-1 run ends at 3. */
    @Test
    void aConflictTermTheLeaderHasResumesAfterTheLeadersLastEntryOfThatTerm() {
        assertThat(retryAfter(1, 1).prevLogIndex()).isEqualTo(3);
    }

    /** The follower's entries at the probe are of term 2 from index 3 on; the leader has no term 2: skip the run. */
    @Test
    void aConflictTermTheLeaderLacksResumesAtTheFollowersFirstIndexOfThatTerm() {
        assertThat(retryAfter(2, 3).prevLogIndex()).isEqualTo(2);
    }

    /** The follower's log ends at 2 (no conflicting term): resume right after its last entry. */
    @Test
    void aShortFollowerLogResumesAfterItsLastEntry() {
        assertThat(retryAfter(0, 3).prevLogIndex()).isEqualTo(2);
    }
}
