package io.keelraft.core.protocol;

import static io.keelraft.core.protocol.FlowControlTest.settled;
import static io.keelraft.core.protocol.LeaderBench.appendsTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * When a leader may serve a read (thesis §6.4, §6.4.1), with the followers' answers written by hand: not before
 * an entry of its term is committed, even under a lease; not under a lease it never got or gave away with
 * TimeoutNow; not on an answer to a round it never started; and at once when it alone is the majority (found by
 * mutation testing, docs/mutation/part-b.md).
 */
class ReadConfirmationTest {

    private static final Set<String> THREE = Set.of("n1", "n2", "n3");

    @Test
    void aSingleServerServesAReadOnceItsFirstEntryCommits() {
        LeaderBench h = new LeaderBench(Set.of("n1"), TestCluster.ticks());
        h.persist = false;
        h.ready(); // the no-op, not durable yet
        assertThat(h.n1.read(5)).isTrue();
        assertThat(h.ready().readStates()).as("nothing of its term is committed yet").isEmpty();
        h.n1.persisted(1, h.term()); // commits the no-op: it is the majority, no round trip needed
        assertThat(h.ready().readStates()).containsExactly(new ReadState(5, 1));
    }

    @Test
    void aLeaseDoesNotServeReadsBeforeTheLeadersFirstCommit() {
        LeaderBench h = new LeaderBench(THREE, TestCluster.ticks());
        h.persist = false; // the leader's own write of its no-op is slow
        h.ready();
        h.n1.step(h.ack("n2", 1));
        assertThat(h.n1.commitIndex()).isZero();
        h.ready();
        h.n1.tick(); // heartbeat round 1
        h.ready();
        h.n1.step(h.ack("n2", 1, 1)); // with n2 a majority heard round 1: the lease holds
        assertThat(h.n1.readWithLease(9)).isTrue();
        // Thesis §6.4 step 1: commitIndex may still lag the previous leader's; no read is served at it.
        assertThat(h.ready().readStates()).isEmpty();

        h.n1.persisted(1, h.term());
        assertThat(h.n1.commitIndex()).isEqualTo(1);
        Ready r = h.ready(); // the read joins a new round
        long round = appendsTo("n2", r).get(0).readSeq();
        h.n1.step(h.ack("n2", 1, round));
        assertThat(h.ready().readStates()).containsExactly(new ReadState(9, 1));
    }

    @Test
    void aNewLeaderHasNoLeaseUntilARoundIsAcknowledged() {
        LeaderBench h = settled(TestCluster.ticks());
        assertThat(h.n1.readWithLease(3)).isTrue();
        Ready r = h.ready();
        assertThat(r.readStates()).isEmpty();
        h.n1.step(h.ack("n2", 1, appendsTo("n2", r).get(0).readSeq()));
        assertThat(h.ready().readStates()).containsExactly(new ReadState(3, 1));
    }

    @Test
    void aLeaderThatSentTimeoutNowNoLongerReadsUnderItsLease() {
        LeaderBench h = settled(TestCluster.ticks());
        h.n1.tick(); // round 1
        h.ready();
        h.n1.step(h.ack("n2", 1, 1));
        assertThat(h.n1.readWithLease(4)).isTrue();
        assertThat(h.ready().readStates()).as("the lease holds").containsExactly(new ReadState(4, 1));

        assertThat(h.n1.transferLeadership("n2")).isTrue(); // n2 is up to date: TimeoutNow leaves at once
        assertThat(h.ready().messages()).filteredOn(m -> m instanceof Message.TimeoutNow).hasSize(1);
        // Thesis §3.10 with §6.4.1: voters answer n2 even while they hear from n1, so n1's lease is void.
        assertThat(h.n1.readWithLease(5)).isTrue();
        assertThat(h.ready().readStates()).isEmpty();
    }

    @Test
    void anAnswerToARoundNeverStartedConfirmsNothing() {
        LeaderBench h = settled(TestCluster.ticks());
        h.n1.read(7);
        assertThat(appendsTo("n2", h.ready())).singleElement().satisfies(a -> assertThat(a.readSeq()).isEqualTo(1));
        h.n1.step(h.ack("n2", 1, 5)); // echoes round 5: no such round exists
        assertThat(h.ready().readStates()).isEmpty();
        h.n1.step(h.ack("n2", 1, 1));
        assertThat(h.ready().readStates()).containsExactly(new ReadState(7, 1));
    }
}
