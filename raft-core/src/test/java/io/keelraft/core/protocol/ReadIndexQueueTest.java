package io.keelraft.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ReadIndex queue's rounds (thesis §6.4): shared by the reads that arrive together, confirmed once. */
class ReadIndexQueueTest {

    @Test
    void readsArrivingBeforeTheirRoundLeavesShareItAndARoundIsConfirmedOnce() {
        ReadIndexQueue q = new ReadIndexQueue();
        q.add(1, 10, 100);
        q.add(2, 10, 101);
        assertThat(q.seq()).as("one round for both").isEqualTo(1);
        assertThat(q.takeBroadcastNeeded()).isTrue();
        assertThat(q.takeBroadcastNeeded()).isFalse();
        q.add(3, 11, 102); // its round's heartbeats have left: the next round
        assertThat(q.seq()).isEqualTo(2);

        List<ReadState> out = new ArrayList<>();
        assertThat(q.confirmed(1, out)).as("round 1 started at tick 100").isEqualTo(100);
        assertThat(out).containsExactly(new ReadState(1, 10), new ReadState(2, 10));
        out.clear();
        assertThat(q.confirmed(1, out)).as("no new round confirmed").isEqualTo(Long.MIN_VALUE);
        assertThat(out).isEmpty();
        assertThat(q.confirmed(2, out)).isEqualTo(102);
        assertThat(out).containsExactly(new ReadState(3, 11));
    }

    @Test
    void anAbortedReadIsNeverServed() {
        ReadIndexQueue q = new ReadIndexQueue();
        q.awaitTermCommit(4);
        q.add(5, 3, 0);
        List<Long> aborted = new ArrayList<>();
        q.abortAll(aborted);
        assertThat(aborted).containsExactly(4L, 5L);
        assertThat(q.broadcastNeeded()).isFalse();

        q.termCommitted(9, 1);
        List<ReadState> out = new ArrayList<>();
        q.confirmed(q.seq(), out);
        assertThat(out).as("a read reported as failed must not also succeed").isEmpty();
    }
}
