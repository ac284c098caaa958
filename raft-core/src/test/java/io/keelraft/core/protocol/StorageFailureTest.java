package io.keelraft.core.protocol;

import io.keelraft.core.Role;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A server whose log store fails writes (a full disk) rides it through: it acknowledges nothing, a leader steps
 * down so that a server with a working disk leads, it never campaigns while failing, and once the store works
 * again it writes what it missed and acknowledges it — no restart.
 */
class StorageFailureTest {

    private static final List<String> THREE = List.of("n1", "n2", "n3");

    @Test
    void aLeaderWhoseDiskFailsStepsDownAndAnotherLeadsWithoutIt() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        RaftProtocol n1 = c.node("n1");
        c.failingDisks.add("n1");
        c.delivered.clear();
        n1.propose("lost-or-not".getBytes());
        c.settle();
        assertThat(n1.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n1.storageFailing()).isTrue();

        long termBefore = n1.currentTerm();
        c.tickAll(200);
        RaftProtocol leader = c.leader();
        assertThat(leader).isNotNull();
        assertThat(leader.id()).isNotEqualTo("n1");
        // It never campaigned: the terms rose only through the others' elections.
        assertThat(c.delivered).noneMatch(m -> m.from().equals("n1")
                && (m instanceof Message.RequestVote || m instanceof Message.RequestVoteResponse rv && rv.granted() && !rv.preVote()));
        assertThat(n1.currentTerm()).isGreaterThan(termBefore);

        long index = leader.propose("w".getBytes()).index();
        c.settle();
        assertThat(leader.commitIndex()).isGreaterThanOrEqualTo(index);
        // Committed on the other two; n1 acknowledged nothing and stored nothing new.
        assertThat(c.delivered).noneMatch(m -> m.from().equals("n1")
                && m instanceof Message.AppendEntriesResponse r && r.success() && r.matchIndex() >= index);
        assertThat(c.logs.get("n1").lastIndex()).isLessThan(index);
        c.tickAll(5);
        // It follows the new leader (which tells it no commit index beyond what it acknowledged).
        assertThat(n1.leaderId()).isEqualTo(leader.id());
        assertThat(n1.role()).isEqualTo(Role.FOLLOWER);
    }

    @Test
    void onceTheDiskWorksTheServerWritesWhatItMissedAndAcknowledgesIt() {
        TestCluster c = TestCluster.of(THREE, b -> { });
        c.electByTicking("n1");
        c.failingDisks.add("n3");
        RaftProtocol leader = c.node("n1");
        long first = leader.propose("a".getBytes()).index();
        c.settle();
        long second = leader.propose("b".getBytes()).index();
        c.settle();
        assertThat(c.node("n3").storageFailing()).isTrue();
        assertThat(leader.matchIndexes().get("n3")).isLessThan(first);

        c.failingDisks.remove("n3");
        c.node("n3").storageRecovered();
        c.tickAll(20); // heartbeats and retries bring the entries again
        assertThat(c.logs.get("n3").lastIndex()).isEqualTo(leader.lastIndex());
        assertThat(leader.matchIndexes().get("n3")).isGreaterThanOrEqualTo(second);
        assertThat(c.logs.get("n3").term(second)).isEqualTo(leader.currentTerm());
    }
}
