package io.keelraft.core.protocol;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Exactly what a leader sends to one follower after acknowledgements and rejections, fresh and stale, with the
 * follower's answers written by hand. The simulation only notices a wasteful or slow replication when it misses a
 * liveness deadline, so these pin the flow control down (found by mutation testing, docs/MUTATION.md).
 */
class ReplicationFlowTest {

    private static final ClusterConfiguration THREE = ClusterConfiguration.ofVoters(Set.of("n1", "n2", "n3"));

    private final MemoryLog log = new MemoryLog();

    /** n1, leader of term 1 with the no-op at index 1 acknowledged by n2; nothing else in flight. */
    private RaftProtocol leader(int window) {
        RaftProtocol n1 = new RaftProtocol("n1", TestCluster.ticks().preVote(false).maxEntriesPerAppend(1)
                .maxInflightAppends(window).build(), THREE, HardState.INITIAL, log, 0, new SplittableRandom(1));
        for (int i = 0; i < 100 && n1.role() != Role.CANDIDATE; i++) {
            n1.tick();
        }
        ready(n1);
        n1.step(new Message.RequestVoteResponse(1, "n2", "n1", true, false));
        assertThat(n1.role()).isEqualTo(Role.LEADER);
        assertThat(appendsTo("n2", ready(n1))).singleElement()
                .satisfies(a -> assertThat(a.prevLogIndex()).isZero());
        n1.step(ack("n2", 1));
        ready(n1);
        return n1;
    }

    /** Takes a Ready and makes its entries durable at once. */
    private Ready ready(RaftProtocol n1) {
        Ready r = n1.ready();
        if (!r.entriesToAppend().isEmpty()) {
            log.append(r.entriesToAppend());
            LogEntry last = r.entriesToAppend().get(r.entriesToAppend().size() - 1);
            n1.persisted(last.index(), last.term());
        }
        return r;
    }

    private static Message.AppendEntriesResponse ack(String from, long index) {
        return new Message.AppendEntriesResponse(1, from, "n1", true, index, 0, 0, 0, 0);
    }

    private static Message.AppendEntriesResponse reject(String from, long rejectedIndex) {
        // conflictIndex 0 and no conflictTerm: the leader's hint falls back to index 1.
        return new Message.AppendEntriesResponse(1, from, "n1", false, 0, rejectedIndex, 0, 0, 0);
    }

    private static List<Message.AppendEntries> appendsTo(String peer, Ready r) {
        return r.messages().stream().filter(m -> m instanceof Message.AppendEntries && m.to().equals(peer))
                .map(m -> (Message.AppendEntries) m).toList();
    }

    @Test
    void eachAcknowledgementFreesExactlyTheAppendsItCovers() {
        RaftProtocol n1 = leader(2);
        for (int i = 0; i < 5; i++) {
            n1.propose(new byte[] {(byte) i});
        }
        assertThat(appendsTo("n2", ready(n1))).extracting(Message.AppendEntries::prevLogIndex)
                .as("the window holds two appends").containsExactly(1L, 2L);

        n1.step(ack("n2", 2));
        assertThat(appendsTo("n2", ready(n1))).extracting(Message.AppendEntries::prevLogIndex)
                .as("one freed, one more sent").containsExactly(3L);

        n1.step(ack("n2", 2)); // a duplicate frees nothing
        assertThat(appendsTo("n2", ready(n1))).isEmpty();

        n1.step(ack("n2", 4));
        assertThat(appendsTo("n2", ready(n1))).extracting(Message.AppendEntries::prevLogIndex)
                .containsExactly(4L, 5L);
        assertThat(n1.matchIndexes()).containsEntry("n2", 4L);
    }

    @Test
    void aStaleRejectionChangesNothingAndAFreshOneProbesFromTheMatchIndex() {
        RaftProtocol n1 = leader(4);
        for (int i = 0; i < 3; i++) {
            n1.propose(new byte[] {(byte) i});
        }
        assertThat(appendsTo("n2", ready(n1))).hasSize(3); // 2, 3, 4 in flight
        n1.step(ack("n2", 2));
        ready(n1);

        n1.step(reject("n2", 1)); // answers an append older than matchIndex 2
        assertThat(appendsTo("n2", ready(n1))).as("stale rejection").isEmpty();
        assertThat(n1.matchIndexes()).containsEntry("n2", 2L);

        n1.step(reject("n2", 3)); // the append after entry 3 did not fit: probe just after matchIndex
        assertThat(appendsTo("n2", ready(n1))).singleElement()
                .satisfies(a -> assertThat(a.prevLogIndex()).isEqualTo(2));

        n1.step(reject("n2", 3)); // a duplicate of it, while the probe is out
        assertThat(appendsTo("n2", ready(n1))).as("duplicate rejection").isEmpty();

        n1.step(reject("n2", 2)); // the probe itself was rejected: the leader never goes below matchIndex + 1
        assertThat(appendsTo("n2", ready(n1))).singleElement()
                .satisfies(a -> assertThat(a.prevLogIndex()).isEqualTo(2));

        n1.step(ack("n2", 4));
        n1.step(ack("n2", 4));
        assertThat(n1.matchIndexes()).containsEntry("n2", 4L);
        assertThat(appendsTo("n2", ready(n1))).as("caught up: only the news of the commit").singleElement()
                .satisfies(a -> {
                    assertThat(a.entries()).isEmpty();
                    assertThat(a.leaderCommit()).isEqualTo(4);
                });
    }

    @Test
    void aFollowerThatNeverAnsweredIsProbedOneAppendAtATime() {
        RaftProtocol n1 = leader(4);
        for (int i = 0; i < 3; i++) {
            n1.propose(new byte[] {(byte) i});
        }
        // n3 never acknowledged the no-op: it is probed, one append at a time, whatever the window.
        assertThat(appendsTo("n3", ready(n1))).isEmpty();
        n1.step(reject("n3", 0)); // the probe was rejected: probe again, still one append
        assertThat(appendsTo("n3", ready(n1))).singleElement()
                .satisfies(a -> assertThat(a.prevLogIndex()).isZero());
        n1.step(ack("n3", 1));
        assertThat(appendsTo("n3", ready(n1))).extracting(Message.AppendEntries::prevLogIndex)
                .as("replicating now: pipelined").containsExactly(1L, 2L, 3L);
    }
}
