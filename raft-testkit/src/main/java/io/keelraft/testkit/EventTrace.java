package io.keelraft.testkit;

import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.protocol.Message;
import java.util.List;

/**
 * What happened in a run, kept cheaply: a ring buffer of the last events (formatted only when a report is
 * printed), a longer ring of milestones (elections, faults, crashes), the total event count, and a running
 * hash of the whole run that two runs of one seed must agree on.
 */
final class EventTrace {

    private record Event(long time, String node, String what, Object detail) {
        String line() {
            String d = detail == null ? "" : " " + describe(detail);
            return String.format("%8d ms  %-4s %s%s", time, node == null ? "-" : node, what, d);
        }
    }

    private static final int MILESTONES = 60;

    private final Event[] recent;
    private final Event[] milestones = new Event[MILESTONES];
    private final boolean hashFullText;
    private long recorded;
    private long milestoneCount;
    private long hash = 0xcbf29ce484222325L;

    EventTrace(int capacity, boolean hashFullText) {
        this.recent = new Event[capacity];
        this.hashFullText = hashFullText;
    }

    /** Records an event of {@code node} (null for the cluster as a whole); {@code detail} is described lazily. */
    void record(long time, String node, String what, Object detail) {
        Event e = new Event(time, node, what, detail);
        recent[(int) (recorded % recent.length)] = e;
        recorded++;
        hash = mix(hash, time);
        hash = mix(hash, node == null ? 0 : node.hashCode());
        hash = mix(hash, what.hashCode());
        if (hashFullText) {
            hash = mix(hash, e.line().hashCode());
        }
    }

    /** Records an event that also belongs in the run's short history of elections and faults. */
    void milestone(long time, String node, String what, Object detail) {
        record(time, node, what, detail);
        milestones[(int) (milestoneCount % MILESTONES)] = recent[(int) ((recorded - 1) % recent.length)];
        milestoneCount++;
    }

    /** Number of events recorded. */
    long recorded() {
        return recorded;
    }

    /** A hash of every event recorded so far (of its full text when so configured). */
    long hash() {
        return hash;
    }

    /** The last events, oldest first, one per line. */
    String recentLines() {
        return lines(recent, recorded);
    }

    /** The last milestones, oldest first, one per line. */
    String milestoneLines() {
        return lines(milestones, milestoneCount);
    }

    private static String lines(Event[] ring, long count) {
        StringBuilder out = new StringBuilder();
        long from = Math.max(0, count - ring.length);
        for (long i = from; i < count; i++) {
            out.append(ring[(int) (i % ring.length)].line()).append('\n');
        }
        return out.toString();
    }

    private static long mix(long h, long value) {
        // FNV-1a over the value's eight bytes: stable across JVMs, unlike identity hash codes.
        for (int i = 0; i < 8; i++) {
            h ^= (value >>> (8 * i)) & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** A compact, readable form of a message, an entry list or anything else. */
    static String describe(Object o) {
        if (o instanceof Message.AppendEntries ae) {
            return "AppendEntries t" + ae.term() + " " + ae.from() + "->" + ae.to() + " prev=" + ae.prevLogIndex()
                    + "@" + ae.prevLogTerm() + " " + entries(ae.entries()) + " commit=" + ae.leaderCommit()
                    + " readSeq=" + ae.readSeq();
        }
        if (o instanceof Message.AppendEntriesResponse r) {
            return "AppendEntriesResponse t" + r.term() + " " + r.from() + "->" + r.to()
                    + (r.success() ? " ok match=" + r.matchIndex()
                    : " reject at=" + r.rejectedIndex() + " conflict=" + r.conflictIndex() + "@" + r.conflictTerm())
                    + " readSeq=" + r.readSeq();
        }
        if (o instanceof Message.InstallSnapshot is) {
            return "InstallSnapshot t" + is.term() + " " + is.from() + "->" + is.to() + " snapshot="
                    + is.snapshot().index() + "@" + is.snapshot().term();
        }
        if (o instanceof io.keelraft.core.spi.ForwardRequest.InstallSnapshotChunk c) {
            return "InstallSnapshotChunk t" + c.term() + " from " + c.leaderId() + " snapshot="
                    + c.snapshot().index() + "@" + c.snapshot().term() + " [" + c.offset() + ", "
                    + (c.offset() + c.data().length) + ") of " + c.totalBytes();
        }
        if (o instanceof io.keelraft.core.spi.ForwardResponse.SnapshotChunkAccepted a) {
            return "SnapshotChunkAccepted t" + a.term() + " next=" + a.nextOffset();
        }
        if (o instanceof Message.RequestVote rv) {
            return (rv.preVote() ? "PreVote" : "RequestVote") + " t" + rv.term() + " " + rv.from() + "->" + rv.to()
                    + " last=" + rv.lastLogIndex() + "@" + rv.lastLogTerm();
        }
        if (o instanceof Message.RequestVoteResponse r) {
            return (r.preVote() ? "PreVoteResponse" : "RequestVoteResponse") + " t" + r.term() + " " + r.from() + "->"
                    + r.to() + (r.granted() ? " granted" : " refused");
        }
        if (o instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof LogEntry) {
            @SuppressWarnings("unchecked")
            List<LogEntry> entries = (List<LogEntry>) list;
            return entries(entries);
        }
        return String.valueOf(o);
    }

    /** Entries as {@code [5@2..9@3]}: first and last index@term. */
    static String entries(List<LogEntry> entries) {
        if (entries.isEmpty()) {
            return "[]";
        }
        LogEntry first = entries.get(0);
        LogEntry last = entries.get(entries.size() - 1);
        return first == last ? "[" + first.index() + "@" + first.term() + "]"
                : "[" + first.index() + "@" + first.term() + ".." + last.index() + "@" + last.term() + "]";
    }
}
