package io.keelraft.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.protocol.EntryType;
import io.keelraft.core.protocol.HardState;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** After-persist messages leave only once their Ready's writes, and every earlier Ready's, are durable. */
class PersistQueueTest {

    private final List<Message> sent = new ArrayList<>();
    private final PersistQueue queue = new PersistQueue(sent::add);

    private static Message vote(String to) {
        return new Message.RequestVoteResponse(2, "me", to, true, false);
    }

    private static List<LogEntry> entries(long from, long to, long term) {
        List<LogEntry> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(new LogEntry(i, term, EntryType.COMMAND, null));
        }
        return out;
    }

    @Test
    void messagesWaitForTheirHardStateAndEntries() {
        Object h = queue.add(new HardState(2, "x"), entries(1, 3, 2), List.of(vote("x")), 0);
        queue.entriesDurable(3, 2);
        assertThat(sent).isEmpty();
        queue.hardStateSaved(h);
        assertThat(sent).containsExactly(vote("x"));
    }

    @Test
    void laterMessagesWaitBehindEarlierWrites() {
        queue.add(null, entries(1, 3, 2), List.of(vote("a")), 0);
        queue.add(null, List.of(), List.of(vote("b")), 0);
        assertThat(sent).isEmpty();
        queue.entriesDurable(3, 2);
        assertThat(sent).containsExactly(vote("a"), vote("b"));
    }

    @Test
    void oneDurabilityReportCoversEveryEarlierAppend() {
        queue.add(null, entries(1, 3, 2), List.of(vote("a")), 0);
        queue.add(null, entries(4, 6, 2), List.of(vote("b")), 0);
        queue.entriesDurable(6, 2); // group commit: both appends forced together
        assertThat(sent).containsExactly(vote("a"), vote("b"));
    }

    @Test
    void aReportForAnOverwrittenAppendReleasesUpToTheReplacement() {
        queue.add(null, entries(5, 9, 2), List.of(vote("a")), 0);
        queue.add(null, entries(5, 5, 3), List.of(vote("b")), 0); // truncates back to 5
        queue.entriesDurable(9, 2);
        assertThat(sent).containsExactly(vote("a"));
        queue.entriesDurable(5, 3);
        assertThat(sent).containsExactly(vote("a"), vote("b"));
    }

    private static Message ack(String to, long term, long matchIndex) {
        return new Message.AppendEntriesResponse(term, "me", to, true, matchIndex, 0, 0, 0, 0);
    }

    @Test
    void anAcknowledgementOfEntriesALaterAppendReplacesBeforeTheyAreDurableNeverLeaves() {
        // Term 2's leader n1 sent 2..3; before they were written, term 3's leader n3 replaced them from index 2. A
        // store may then never write them (it drops queued entries a later append replaces), so the report for
        // the replacement must not release the acknowledgement of 2..3 to n1: it would be false.
        queue.add(null, entries(2, 3, 2), List.of(ack("n1", 2, 3), vote("n1")), 0);
        queue.add(null, entries(2, 2, 3), List.of(ack("n3", 3, 2)), 0);
        queue.entriesDurable(2, 3);
        assertThat(sent).containsExactly(vote("n1"), ack("n3", 3, 2));
    }

    @Test
    void acknowledgementsOfEntriesThatStayAreKept() {
        queue.add(null, entries(2, 3, 2), List.of(ack("n1", 2, 3)), 0);
        queue.add(null, entries(4, 5, 2), List.of(ack("n1", 2, 5)), 0); // follows on: nothing replaced
        queue.entriesDurable(5, 2);
        assertThat(sent).containsExactly(ack("n1", 2, 3), ack("n1", 2, 5));
    }

    @Test
    void theLoopAddingAndTheWriterAndMetaThreadsReleasingKeepEveryMessageInOrder() throws Exception {
        // The loop adds tickets while the log writer and the term/vote thread release them, as in RaftGroup:
        // every message leaves exactly once, in the order of the Readys.
        List<Message> out = java.util.Collections.synchronizedList(new ArrayList<>());
        PersistQueue shared = new PersistQueue(out::add);
        int readys = 5_000;
        java.util.concurrent.BlockingQueue<long[]> appended = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.concurrent.BlockingQueue<Object> votes = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; i < readys / 2; i++) {
                    long[] last = appended.take();
                    shared.entriesDurable(last[0], last[1]);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "writer");
        Thread meta = new Thread(() -> {
            try {
                for (int i = 0; i < readys / 2; i++) {
                    shared.hardStateSaved(votes.take());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "meta");
        writer.start();
        meta.start();
        for (int i = 0; i < readys; i++) {
            Message m = vote("to" + i);
            if (i % 2 == 0) {
                shared.add(null, entries(i / 2 + 1, i / 2 + 1, 2), List.of(m), 0);
                appended.add(new long[] {i / 2 + 1, 2});
            } else {
                votes.add(shared.add(new HardState(2 + i, null), List.of(), List.of(m), 0));
            }
        }
        writer.join(30_000);
        meta.join(30_000);
        List<Message> expected = new ArrayList<>();
        for (int i = 0; i < readys; i++) {
            expected.add(vote("to" + i));
        }
        assertThat(out).containsExactlyElementsOf(expected);
        assertThat(shared.pending()).isZero();
    }
}
