package io.keelraft.core.protocol;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.Role;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One leader, n1, driven by hand: the test writes every follower's answer itself, so it sees exactly what the
 * leader sends and when (flow control, commit news, read rounds, entry fetches, snapshots). The durable log is a
 * {@link MemoryLog} whose entries below {@link #memoryFrom} count as on disk only ({@link DurableLog#inMemory}).
 */
final class LeaderBench {

    final MemoryLog memory;
    /** Entries from this index on are served from memory; older ones must be fetched off the raft loop. */
    long memoryFrom = 0;
    /** When false, the leader's own entries are written but not reported durable. */
    boolean persist = true;
    final ClusterConfiguration configuration;
    final RaftProtocol n1;

    /** n1 elected leader of {@code voters} on an empty log; its first Ready (the no-op's appends) not taken yet. */
    LeaderBench(Set<String> voters, RaftOptions.Builder options) {
        this(voters, options, new MemoryLog(), HardState.INITIAL);
    }

    LeaderBench(Set<String> voters, RaftOptions.Builder options, MemoryLog initial, HardState hardState) {
        this.memory = initial;
        this.configuration = ClusterConfiguration.ofVoters(voters);
        DurableLog log = new DurableLog() {
            @Override
            public long snapshotIndex() {
                return memory.snapshotIndex();
            }

            @Override
            public long snapshotTerm() {
                return memory.snapshotTerm();
            }

            @Override
            public long lastIndex() {
                return memory.lastIndex();
            }

            @Override
            public long term(long index) {
                return memory.term(index);
            }

            @Override
            public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
                return memory.entries(fromIndex, toIndex, maxBytes);
            }

            @Override
            public boolean inMemory(long fromIndex) {
                return fromIndex >= memoryFrom;
            }
        };
        RaftOptions built = options.preVote(false).build();
        n1 = new RaftProtocol("n1", built, configuration, hardState, log, 0, new SplittableRandom(1));
        for (int i = 0; i < 1000 && n1.role() == Role.FOLLOWER; i++) {
            n1.tick();
        }
        ready(); // the vote request, and the term and vote made durable
        for (String v : voters) {
            if (!v.equals("n1") && n1.role() != Role.LEADER) {
                n1.step(new Message.RequestVoteResponse(n1.currentTerm(), v, "n1", true, false));
            }
        }
        if (n1.role() != Role.LEADER) {
            throw new AssertionError("n1 did not win: " + n1);
        }
    }

    /** Takes a Ready; its entries are written to the log and, if {@link #persist}, reported durable. */
    Ready ready() {
        Ready r = n1.ready();
        if (r.hardState() != null) {
            n1.hardStatePersisted(r.hardState());
        }
        if (!r.entriesToAppend().isEmpty()) {
            memory.append(r.entriesToAppend());
            if (persist) {
                LogEntry last = r.entriesToAppend().get(r.entriesToAppend().size() - 1);
                n1.persisted(last.index(), last.term());
            }
        }
        return r;
    }

    long term() {
        return n1.currentTerm();
    }

    Message.AppendEntriesResponse ack(String from, long index) {
        return ack(from, index, 0);
    }

    Message.AppendEntriesResponse ack(String from, long index, long readSeq) {
        return new Message.AppendEntriesResponse(term(), from, "n1", true, index, 0, 0, 0, readSeq);
    }

    /** A rejection of prevLogIndex {@code rejectedIndex} by a follower whose log ends before it. */
    Message.AppendEntriesResponse reject(String from, long rejectedIndex, long followerLastIndex) {
        return new Message.AppendEntriesResponse(term(), from, "n1", false, 0, rejectedIndex, 0,
                followerLastIndex + 1, 0);
    }

    void propose(int count) {
        for (int i = 0; i < count; i++) {
            if (!n1.propose(new byte[] {(byte) i}).accepted()) {
                throw new AssertionError("proposal refused");
            }
        }
    }

    static List<Message.AppendEntries> appendsTo(String peer, Ready r) {
        return r.messages().stream().filter(m -> m instanceof Message.AppendEntries && m.to().equals(peer))
                .map(m -> (Message.AppendEntries) m).toList();
    }

    static List<Message> messagesTo(String peer, Ready r) {
        return r.messages().stream().filter(m -> m.to().equals(peer)).toList();
    }

    static List<Message.InstallSnapshot> snapshotsTo(String peer, Ready r) {
        return r.messages().stream().filter(m -> m instanceof Message.InstallSnapshot && m.to().equals(peer))
                .map(m -> (Message.InstallSnapshot) m).toList();
    }
}
