package io.keelraft.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.Role;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * The timing rules around CheckQuorum (thesis §6.2) and the leader's lease (thesis §4.2.3, §6.4.1), at the exact
 * tick: a leader steps down when an election timeout passes without hearing a majority, a follower ignores
 * disruptive votes for exactly one election timeout after it heard the leader (or after a restart), and
 * heartbeats leave every heartbeat interval (paper §5.2). Found by mutation testing (docs/mutation/part-c.md).
 */
class CheckQuorumTest {

    private static final List<String> THREE = List.of("n1", "n2", "n3");
    private static final ClusterConfiguration THREE_VOTERS = ClusterConfiguration.ofVoters(Set.copyOf(THREE));
    private static final int T = 10;

    /** Always draws the longest election timeout (2T - 1), so a follower can be ticked T times without campaigning. */
    private static RandomGenerator slowestTimer() {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public int nextInt(int bound) {
                return bound - 1;
            }
        };
    }

    private static RaftOptions options() {
        return TestCluster.ticks().electionTimeoutTicks(T).build();
    }

    @Test
    void anIsolatedLeaderStepsDownAtTheElectionTimeoutThatFindsNoMajority() {
        TestCluster c = TestCluster.of(THREE, b -> b.electionTimeoutTicks(T));
        c.electByTicking("n1");
        RaftProtocol n1 = c.node("n1");
        c.isolate("n1");
        // The first check, T ticks after the election, still counts the acknowledgements of the election's no-op.
        for (int tick = 1; tick < 2 * T; tick++) {
            n1.tick();
            assertThat(n1.role()).as("tick %d", tick).isEqualTo(Role.LEADER);
            c.drain("n1", n1); // its heartbeats are lost
        }
        n1.tick(); // the second check finds no follower heard from since the first
        assertThat(n1.role()).isEqualTo(Role.FOLLOWER);
        // Stepping down changes only the role: the driver must still be told.
        assertThat(n1.hasReady()).isTrue();
        Ready r = n1.ready();
        assertThat(r.softState()).isEqualTo(new SoftState(Role.FOLLOWER, n1.currentTerm(), null));
        assertThat(r.messages()).isEmpty();
    }

    @Test
    void heartbeatsLeaveEveryHeartbeatInterval() {
        TestCluster c = TestCluster.of(THREE, b -> b.heartbeatIntervalTicks(3));
        c.electByTicking("n1");
        c.delivered.clear();
        for (int tick = 1; tick <= 7; tick++) {
            c.tick(1, "n1");
            long heartbeats = c.delivered.stream().filter(m -> m instanceof Message.AppendEntries).count();
            assertThat(heartbeats).as("after %d ticks", tick).isEqualTo(2L * (tick / 3));
        }
    }

    /**
     * Thesis §4.2.3: for one election timeout after it heard the leader, a follower neither adopts the term of a
     * vote request nor answers it; from the T-th tick on, it votes again.
     */
    @Test
    void aFollowerIgnoresDisruptiveVotesForExactlyOneElectionTimeoutAfterHearingTheLeader() {
        RaftProtocol n2 = new RaftProtocol("n2", options(), THREE_VOTERS, HardState.INITIAL, new MemoryLog(), 0,
                slowestTimer());
        n2.step(new Message.AppendEntries(1, "n1", "n2", 0, 0, List.of(), 0, 0));
        n2.ready();
        for (int i = 1; i < T; i++) {
            n2.tick();
        }

        n2.step(new Message.RequestVote(2, "n3", "n2", 0, 0, false));
        assertThat(n2.currentTerm()).isEqualTo(1);
        assertThat(n2.votedFor()).isNull();
        assertThat(n2.hasReady()).as("not even a refusal leaves").isFalse();

        n2.tick();
        n2.step(new Message.RequestVote(3, "n3", "n2", 0, 0, false));
        assertThat(n2.currentTerm()).isEqualTo(3);
        assertThat(n2.votedFor()).isEqualTo("n3");
        assertThat(n2.role()).isEqualTo(Role.FOLLOWER);
    }

    /**
     * Thesis §6.4.1: a server restarted with a term may have acknowledged a leader just before it crashed, so it
     * honours that unknown lease for exactly one election timeout after the restart.
     */
    @Test
    void aRestartedServerHonoursAnUnknownLeaseForExactlyOneElectionTimeout() {
        RaftProtocol n2 = new RaftProtocol("n2", options(), THREE_VOTERS, new HardState(1, "n1"),
                MemoryLog.withTerms(1), 0, slowestTimer());
        for (int i = 1; i < T; i++) {
            n2.tick();
        }

        n2.step(new Message.RequestVote(2, "n3", "n2", 1, 1, false));
        assertThat(n2.currentTerm()).isEqualTo(1);
        assertThat(n2.votedFor()).isEqualTo("n1");

        n2.tick();
        n2.step(new Message.RequestVote(3, "n3", "n2", 1, 1, false));
        assertThat(n2.currentTerm()).isEqualTo(3);
        assertThat(n2.votedFor()).isEqualTo("n3");
    }
}
