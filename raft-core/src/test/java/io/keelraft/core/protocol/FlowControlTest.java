package io.keelraft.core.protocol;

import static io.keelraft.core.protocol.LeaderBench.appendsTo;
import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.RaftOptions;
import io.keelraft.core.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What a leader sends to each follower in one Ready: new entries pipelined within the window (count and bytes),
 * commit news and read rounds on a heartbeat only when no append carries them, nothing to a follower whose probe
 * is outstanding, and the resend of lost appends once the stall is detected. Safety does not depend on these, so
 * the simulation cannot see them fail; the messages can (found by mutation testing, docs/mutation/part-b.md).
 */
class FlowControlTest {

    private static final Set<String> THREE = Set.of("n1", "n2", "n3");

    /** n1 leads; n2 and n3 acknowledged the no-op (index 1) and heard of its commit; nothing is in flight. */
    static LeaderBench settled(RaftOptions.Builder options) {
        LeaderBench h = new LeaderBench(THREE, options);
        h.ready(); // the no-op, as a probe to each follower
        h.n1.step(h.ack("n2", 1));
        h.n1.step(h.ack("n3", 1));
        h.ready(); // the news of its commit
        assertThat(h.n1.commitIndex()).isEqualTo(1);
        assertThat(h.n1.hasReady()).isFalse();
        return h;
    }

    @Test
    void aReadRoundThatComesWithNewEntriesRidesOnTheirAppend() {
        LeaderBench h = settled(TestCluster.ticks());
        h.propose(1);
        assertThat(h.n1.read(7)).isTrue();
        Ready r = h.ready();
        for (String peer : List.of("n2", "n3")) {
            // Thesis §6.4: every AppendEntries carries the read round; no separate heartbeat is needed.
            assertThat(appendsTo(peer, r)).as(peer).singleElement().satisfies(a -> {
                assertThat(a.entries()).extracting(LogEntry::index).containsExactly(2L);
                assertThat(a.readSeq()).isEqualTo(1);
            });
        }
    }

    @Test
    void aReadRoundReachesAFollowerWhoseWindowIsFull() {
        LeaderBench h = settled(TestCluster.ticks().maxInflightAppends(1));
        h.propose(1);
        assertThat(appendsTo("n2", h.ready())).hasSize(1); // the window of one is full now
        h.propose(1);
        h.n1.read(7);
        Ready r = h.ready();
        // No entries may go (the window is full), but the read round must: a heartbeat at matchIndex, which
        // cannot interfere with the append in flight.
        assertThat(appendsTo("n2", r)).singleElement().satisfies(a -> {
            assertThat(a.entries()).isEmpty();
            assertThat(a.prevLogIndex()).isEqualTo(1);
            assertThat(a.readSeq()).isEqualTo(1);
        });
    }

    @Test
    void commitNewsGoesOnlyToFollowersThatCanTakeAHeartbeat() {
        LeaderBench h = new LeaderBench(THREE, TestCluster.ticks().maxEntriesPerAppend(1));
        h.ready(); // probes with the no-op
        h.n1.step(h.ack("n2", 1)); // commits index 1
        Ready r = h.ready();
        assertThat(appendsTo("n2", r)).singleElement().satisfies(a -> {
            assertThat(a.entries()).isEmpty();
            assertThat(a.leaderCommit()).isEqualTo(1);
        });
        assertThat(appendsTo("n3", r)).as("n3's probe is still outstanding: one at a time").isEmpty();

        h.n1.step(h.ack("n3", 1)); // n3 answers: it learns the commit now
        assertThat(appendsTo("n3", h.ready())).singleElement()
                .satisfies(a -> assertThat(a.leaderCommit()).isEqualTo(1));
        h.n1.step(h.ack("n2", 1)); // n2 answers the heartbeat: it has heard everything
        assertThat(h.n1.hasReady()).as("nothing to say after an answer that brings no news").isFalse();

        h.propose(2); // 2 and 3, one append each
        Ready sent = h.ready();
        assertThat(appendsTo("n2", sent)).hasSize(2);
        assertThat(appendsTo("n3", sent)).hasSize(2);
        h.n1.step(h.ack("n2", 2)); // commits 2; both followers still have an append in flight
        assertThat(appendsTo("n2", h.ready())).isEmpty();
        h.n1.step(h.ack("n3", 2)); // n3 has not heard of commit 2, but its append of 3 is in flight
        assertThat(h.n1.commitIndex()).isEqualTo(2);
        assertThat(h.n1.hasReady()).as("a follower with appends in flight gets no heartbeat").isFalse();
    }

    @Test
    void anAppendThatCarriedTheCommitIndexWasTheNews() {
        LeaderBench h = settled(TestCluster.ticks());
        h.propose(1); // index 2
        h.ready();
        h.n1.step(h.ack("n2", 2)); // commits 2
        h.propose(1); // index 3, in the same Ready as the news of commit 2
        h.persist = false; // the leader's own write of 3 is slow: n2 alone cannot commit 3
        Ready r = h.ready();
        assertThat(appendsTo("n2", r)).singleElement().satisfies(a -> {
            assertThat(a.entries()).extracting(LogEntry::index).containsExactly(3L);
            assertThat(a.leaderCommit()).isEqualTo(2);
        });
        h.n1.step(h.ack("n2", 3));
        assertThat(h.n1.commitIndex()).isEqualTo(2);
        assertThat(h.n1.hasReady()).as("n2 learned commit 2 from the append").isFalse();
    }

    @Test
    void theByteWindowHoldsAppendsUntilTheirBytesReachTheLimit() {
        long entryBytes = 1 + LogEntry.OVERHEAD_BYTES; // each proposal carries one byte
        LeaderBench h = settled(TestCluster.ticks().maxEntriesPerAppend(1).maxInflightBytes(2 * entryBytes));
        h.propose(4); // 2..5
        assertThat(appendsTo("n2", h.ready())).extracting(Message.AppendEntries::prevLogIndex)
                .as("two appends fill the window exactly").containsExactly(1L, 2L);
        h.n1.step(h.ack("n2", 3));
        assertThat(appendsTo("n2", h.ready())).extracting(Message.AppendEntries::prevLogIndex)
                .as("their bytes are freed").containsExactly(3L, 4L);
    }

    @Test
    void lostAppendsAreResentOnTheTickTheStallIsDetected() {
        // Heartbeats every 3 ticks, so a resend on the 10th tick is the stall detection's, not a heartbeat's.
        LeaderBench h = settled(TestCluster.ticks().electionTimeoutTicks(10).heartbeatIntervalTicks(3)
                .checkQuorum(false));
        h.propose(1);
        assertThat(appendsTo("n3", h.ready())).hasSize(1); // lost: n3 never answers
        List<Long> resent = new ArrayList<>();
        for (int tick = 1; tick <= 11; tick++) { // tick 12 is a heartbeat: it would resend the probe
            h.n1.tick();
            // A late report of snapshot progress (no snapshot is being sent) must not hide the stall.
            h.n1.snapshotSendProgressed("n3");
            for (Message.AppendEntries a : appendsTo("n3", h.ready())) {
                if (!a.entries().isEmpty()) {
                    assertThat(a.prevLogIndex()).as("probed from matchIndex + 1").isEqualTo(1);
                    resent.add((long) tick);
                }
            }
        }
        assertThat(resent).as("ticks at which entry 2 was resent").containsExactly(10L);
        assertThat(h.n1.role()).isEqualTo(Role.LEADER);
    }

    @Test
    void aLeaderHeardByOneOfTwoFollowersKeepsLeading() {
        // Thesis §6.2: CheckQuorum counts the leader itself; with n2 it has a majority of three.
        TestCluster c = TestCluster.of(List.of("n1", "n2", "n3"), b -> { });
        c.electByTicking("n1");
        c.isolate("n3");
        c.tick(50, "n1", "n2");
        assertThat(c.node("n1").role()).isEqualTo(Role.LEADER);
    }
}
