package io.keelraft.core.protocol;

import io.keelraft.core.RaftOptions;
import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A Ready carries the soft state (role, term, leader) exactly when it changed since the previous Ready. */
class SoftStateTest {

    @Test
    void aNewServerHasNothingToSay() {
        RaftProtocol p = new RaftProtocol("n1", RaftOptions.defaults(),
                ClusterConfiguration.ofVoters(java.util.Set.of("n1", "n2", "n3")), new HardState(2, null),
                MemoryLog.withTerms(1, 2), 0, new SplittableRandom(1));

        assertThat(p.hasReady()).isFalse();
        assertThat(Ready.EMPTY.softState()).isNull();
        assertThat(Ready.EMPTY.isEmpty()).isTrue();
    }

    @Test
    void eachRoleChangeIsReportedOnceInOrder() {
        TestCluster c = TestCluster.of(List.of("n1", "n2", "n3"), b -> { });

        c.electByTicking("n1");

        long term = c.node("n1").currentTerm();
        assertThat(c.softStates.get("n1")).containsExactly(
                new SoftState(Role.PRE_CANDIDATE, 0, null),
                new SoftState(Role.CANDIDATE, term, null),
                new SoftState(Role.LEADER, term, "n1"));
        // The followers learn the term from the RequestVote, then the leader from its first AppendEntries.
        assertThat(c.softStates.get("n2")).containsExactly(
                new SoftState(Role.FOLLOWER, term, null),
                new SoftState(Role.FOLLOWER, term, "n1"));
    }

    @Test
    void aChangeWithNothingElseToDoStillMakesAReady() {
        TestCluster c = TestCluster.of(List.of("n1", "n2", "n3"), b -> { });
        c.electByTicking("n1");
        RaftProtocol n1 = c.node("n1");
        c.isolate("n1");
        c.softStates.get("n1").clear();

        // CheckQuorum (thesis §6.2): cut off from a majority for an election timeout, the leader steps down.
        // Stepping down changes no term or vote and sends nothing: the role alone makes the Ready.
        for (int i = 0; i < 100 && n1.role() == Role.LEADER; i++) {
            n1.tick();
            c.drain("n1", n1);
        }
        assertThat(n1.role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.softStates.get("n1")).containsExactly(new SoftState(Role.FOLLOWER, n1.currentTerm(), null));

        assertThat(n1.hasReady()).isFalse();
    }

    @Test
    void aSoftStateOnlyReadyIsNotEmptyButHasNothingToPersist() {
        TestCluster c = TestCluster.of(List.of("n1", "n2", "n3"), b -> { });
        c.electByTicking("n1");
        RaftProtocol n1 = c.node("n1");
        c.isolate("n1");
        for (int i = 0; i < 100 && n1.role() == Role.LEADER; i++) {
            n1.tick();
            if (n1.role() == Role.LEADER) {
                c.drain("n1", n1);
            }
        }

        Ready r = n1.ready();

        assertThat(r.softState()).isEqualTo(new SoftState(Role.FOLLOWER, n1.currentTerm(), null));
        assertThat(r.isEmpty()).isFalse();
        assertThat(r.nothingToPersist()).isTrue();
        assertThat(n1.hasReady()).isFalse();
        assertThat(n1.ready().softState()).isNull();
    }
}
