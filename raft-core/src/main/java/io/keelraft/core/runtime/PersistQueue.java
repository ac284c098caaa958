package io.keelraft.core.runtime;

import io.keelraft.core.protocol.HardState;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.protocol.Message;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Orders each {@code Ready}'s writes with the messages that must wait for them: a vote or an acknowledgement
 * leaves only once the term, vote and entries it speaks for are durable (paper Figure 2), and only after every
 * earlier Ready's writes are durable too.
 *
 * <p>The raft loop adds a ticket per Ready; the thread that learns a write is durable — the log writer, or the
 * term/vote thread — releases the messages it completes and sends them itself. A follower's acknowledgement thus
 * leaves straight from the writer's fsync instead of hopping back through the loop first (two hand-offs fewer on
 * every write's critical path). One monitor guards the tickets; sending under it keeps the messages in order and
 * costs no wait, as {@code Transport.send} only queues.
 */
final class PersistQueue {

    private static final class Ticket {
        boolean hardStatePending;
        boolean entriesPending;
        final long lastIndex;
        final long lastTerm;
        List<Message> messages;
        final long submittedNanos;

        Ticket(boolean hardStatePending, List<LogEntry> entries, List<Message> messages, long submittedNanos) {
            this.submittedNanos = submittedNanos;
            this.hardStatePending = hardStatePending;
            this.entriesPending = !entries.isEmpty();
            LogEntry last = entries.isEmpty() ? null : entries.get(entries.size() - 1);
            this.lastIndex = last == null ? -1 : last.index();
            this.lastTerm = last == null ? -1 : last.term();
            this.messages = messages;
        }

        boolean done() {
            return !hardStatePending && !entriesPending;
        }
    }

    private final ArrayDeque<Ticket> tickets = new ArrayDeque<>();
    private final Consumer<Message> sender;

    PersistQueue(Consumer<Message> sender) {
        this.sender = sender;
    }

    /**
     * Records one Ready's writes. Returns a handle the caller completes with {@link #hardStateSaved} once the
     * hard state (if any) is durable; entries complete through {@link #entriesDurable}.
     */
    synchronized Object add(HardState hardState, List<LogEntry> entries, List<Message> afterPersist, long nowNanos) {
        if (!entries.isEmpty()) {
            dropAcknowledgementsReplacedBy(entries.get(0).index());
        }
        Ticket t = new Ticket(hardState != null, entries, afterPersist, nowNanos);
        tickets.addLast(t);
        release();
        return t;
    }

    /**
     * A new append replaces the log from {@code index} on. An earlier Ready's entries from there that are not yet
     * durable may never be written at all (a log store may drop queued entries that a later append replaces before
     * its next write), so their acknowledgements must not leave when the later append is reported durable: an
     * outdated leader could count them towards a commit no majority holds. Dropping a message is always safe.
     */
    private void dropAcknowledgementsReplacedBy(long index) {
        for (Ticket t : tickets) {
            if (t.entriesPending && t.lastIndex >= index) {
                t.messages = t.messages.stream().filter(m -> !(m instanceof Message.AppendEntriesResponse r
                        && r.success() && r.matchIndex() >= index)).toList();
            }
        }
    }

    /** The hard state of the Ready behind {@code handle} is durable. */
    synchronized void hardStateSaved(Object handle) {
        ((Ticket) handle).hardStatePending = false;
        release();
    }

    /**
     * The log store made entries durable through ({@code index}, {@code term}) — the last entry of some
     * append, since every append ends the log. Appends complete in submission order, so that append and all
     * earlier ones are durable.
     *
     * @return when the oldest append this report covers was submitted, or -1 when it covers none
     */
    synchronized long entriesDurable(long index, long term) {
        Ticket through = null;
        for (Ticket t : tickets) {
            if (t.entriesPending && t.lastIndex == index && t.lastTerm == term) {
                through = t;
            }
        }
        if (through == null) {
            return -1;
        }
        long oldest = -1;
        for (Ticket t : tickets) {
            if (t.entriesPending && oldest < 0) {
                oldest = t.submittedNanos;
            }
            t.entriesPending = false;
            if (t == through) {
                break;
            }
        }
        release();
        return oldest;
    }

    /**
     * The log store discarded every queued append (a leader's snapshot replaced the log, paper Figure 13 rule
     * 7): those appends will never be reported durable, so the Readys waiting on them stop waiting, and their
     * messages — acknowledgements of entries that are gone — are dropped, never sent.
     */
    synchronized void entriesDiscarded() {
        for (Ticket t : tickets) {
            if (t.entriesPending) {
                t.entriesPending = false;
                t.messages = List.of();
            }
        }
        release();
    }

    /** Number of Readys whose writes are not yet all durable. */
    synchronized int pending() {
        return tickets.size();
    }

    /** Drops everything pending (the writes failed or the server stops); their messages are never sent. */
    synchronized void abandon() {
        tickets.clear();
    }

    private void release() {
        while (!tickets.isEmpty() && tickets.peekFirst().done()) {
            tickets.pollFirst().messages.forEach(sender);
        }
    }
}
