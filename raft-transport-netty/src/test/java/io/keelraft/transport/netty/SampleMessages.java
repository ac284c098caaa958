package io.keelraft.transport.netty;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.EntryType;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.protocol.Message;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/** Messages of every kind, fixed and random, for codec and transport tests. */
final class SampleMessages {

    private SampleMessages() {
    }

    /** One of every Raft message kind and shape, from {@code from} to {@code to}. */
    static List<Message> all(String from, String to) {
        byte[] config = ClusterConfiguration.ofVoters(Set.of("n1", "n2", "n3")).encode();
        return List.of(
                new Message.RequestVote(7, from, to, 41, 6, false),
                new Message.RequestVote(8, from, to, 0, 0, true),
                new Message.RequestVote(9, from, to, 41, 6, false, true),
                new Message.TimeoutNow(9, from, to),
                new Message.TimeoutNow(Long.MAX_VALUE, from, to),
                new Message.RequestVoteResponse(7, from, to, true, false),
                new Message.RequestVoteResponse(8, from, to, false, true),
                new Message.AppendEntries(3, from, to, 10, 2, List.of(), 9, 4),
                new Message.AppendEntries(3, from, to, 10, 2, List.of(
                        new LogEntry(11, 3, EntryType.NO_OP, new byte[0]),
                        new LogEntry(12, 3, EntryType.COMMAND, "set x 1".getBytes()),
                        new LogEntry(13, 3, EntryType.CONFIGURATION, config),
                        new LogEntry(14, 3, EntryType.COMMAND, new byte[100_000])), 12, 5),
                new Message.AppendEntries(Long.MAX_VALUE, from, to, Long.MAX_VALUE - 1, Long.MAX_VALUE,
                        List.of(new LogEntry(Long.MAX_VALUE, Long.MAX_VALUE, EntryType.COMMAND, new byte[] {1})),
                        Long.MAX_VALUE, Long.MAX_VALUE),
                new Message.AppendEntriesResponse(3, from, to, true, 14, 0, 0, 0, 5),
                new Message.AppendEntriesResponse(4, from, to, false, 0, 10, 2, 7, 6),
                new Message.InstallSnapshot(9, from, to, snapshot()),
                new Message.InstallSnapshot(Long.MAX_VALUE, from, to, new SnapshotMeta(Long.MAX_VALUE, Long.MAX_VALUE,
                        new ClusterConfiguration(Set.of("n1", "n4"), Set.of("n5"), Set.of("n1", "n2", "n3")))));
    }

    /** What the sample snapshots cover. */
    static SnapshotMeta snapshot() {
        return new SnapshotMeta(1000, 8, ClusterConfiguration.ofVoters(Set.of("n1", "n2", "n3")));
    }

    /** A snapshot chunk from {@code leader} of {@code data} at {@code offset} of a {@code total}-byte snapshot. */
    static ForwardRequest.InstallSnapshotChunk chunk(String leader, long total, long offset, byte[] data) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(data);
        return new ForwardRequest.InstallSnapshotChunk(9, leader, snapshot(), total, 0x7fa3_12cd, offset, data,
                (int) crc.getValue(), offset + data.length == total);
    }

    /** Snapshot chunks from peer n2: first, middle, last, the only chunk of an empty snapshot, a big one. */
    static List<ForwardRequest> snapshotChunks() {
        byte[] some = new byte[1000];
        new java.util.Random(1).nextBytes(some);
        return List.of(chunk("n2", 3000, 0, some), chunk("n2", 3000, 1000, some), chunk("n2", 3000, 2000, some),
                chunk("n2", 0, 0, new byte[0]), chunk("n2", 5L << 30, 4L << 30, new byte[1 << 20]));
    }

    static List<ForwardRequest> forwardRequests() {
        return List.of(new ForwardRequest.Submit("incr counter".getBytes()), new ForwardRequest.Submit(new byte[0]),
                new ForwardRequest.ReadIndex());
    }

    static List<ForwardResponse> forwardResponses() {
        List<ForwardResponse> responses = new ArrayList<>(List.of(
                new ForwardResponse.Applied(42, "ok".getBytes()),
                new ForwardResponse.Applied(1, new byte[0]),
                new ForwardResponse.ReadIndex(77),
                new ForwardResponse.Failed(ForwardResponse.Reason.NOT_LEADER, "n3", "not the leader"),
                new ForwardResponse.Failed(ForwardResponse.Reason.NOT_LEADER, null, "no leader known"),
                new ForwardResponse.Failed(ForwardResponse.Reason.NOT_LEADER, null, "refused", true)));
        for (ForwardResponse.Reason reason : ForwardResponse.Reason.values()) {
            responses.add(new ForwardResponse.Failed(reason, null, reason.name()));
        }
        responses.add(new ForwardResponse.SnapshotChunkAccepted(9, 0));
        responses.add(new ForwardResponse.SnapshotChunkAccepted(Long.MAX_VALUE, 5L << 30));
        return responses;
    }

    /** A random Raft message; AppendEntries carry up to {@code maxEntries} entries of up to 300 bytes. */
    static Message random(RandomGenerator r, String from, String to, int maxEntries) {
        long term = r.nextLong(1, 1000);
        switch (r.nextInt(4)) {
            case 0:
                return new Message.RequestVote(term, from, to, r.nextLong(0, 10_000), r.nextLong(0, term),
                        r.nextBoolean());
            case 1:
                return new Message.RequestVoteResponse(term, from, to, r.nextBoolean(), r.nextBoolean());
            case 2: {
                long prev = r.nextLong(0, 10_000);
                int n = r.nextInt(maxEntries + 1);
                List<LogEntry> entries = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    byte[] payload = new byte[r.nextInt(300)];
                    r.nextBytes(payload);
                    entries.add(new LogEntry(prev + 1 + i, term, EntryType.values()[r.nextInt(3)], payload));
                }
                return new Message.AppendEntries(term, from, to, prev, r.nextLong(0, term + 1), entries,
                        r.nextLong(0, prev + n + 1), r.nextLong(0, 100));
            }
            default:
                return new Message.AppendEntriesResponse(term, from, to, r.nextBoolean(), r.nextLong(0, 10_000),
                        r.nextLong(0, 10_000), r.nextLong(0, term), r.nextLong(0, 10_000), r.nextLong(0, 100));
        }
    }

    /** An AppendEntries of {@code entries} entries of {@code bytes} bytes each. */
    static Message.AppendEntries append(String from, String to, long prevLogIndex, int entries, int bytes) {
        List<LogEntry> list = new ArrayList<>(entries);
        for (int i = 0; i < entries; i++) {
            list.add(new LogEntry(prevLogIndex + 1 + i, 5, EntryType.COMMAND, new byte[bytes]));
        }
        return new Message.AppendEntries(5, from, to, prevLogIndex, 5, list, prevLogIndex, 0);
    }
}
