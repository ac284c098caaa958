package io.keelraft.transport.netty;

import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.ByteString;
import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.EntryType;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.protocol.Message;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.transport.netty.wire.AppendEntries;
import io.keelraft.transport.netty.wire.AppendEntriesResponse;
import io.keelraft.transport.netty.wire.Entry;
import io.keelraft.core.ReadMode;
import io.keelraft.core.spi.ClientRequest;
import io.keelraft.transport.netty.wire.ForwardResponse.Reason; // the wire enum; raft-core's is ForwardResponse.Reason
import io.keelraft.transport.netty.wire.Frame;
import io.keelraft.transport.netty.wire.Handshake;
import io.keelraft.transport.netty.wire.InstallSnapshot;
import io.keelraft.transport.netty.wire.InstallSnapshotResponse;
import io.keelraft.transport.netty.wire.RequestVote;
import io.keelraft.transport.netty.wire.RequestVoteResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts between raft-core's types and the wire schema ({@code keel.proto}): the only class that knows both,
 * so raft-core never sees protobuf.
 *
 * <p>Raft messages go on the wire without their sender and receiver: a connection joins exactly two servers,
 * named by its handshake, so decoding takes them from the connection.
 *
 * <p>Snapshots use the wire's {@code InstallSnapshot} twice: as a frame, raft-core's
 * {@link Message.InstallSnapshot} (metadata only); inside a forwarded request, one chunk of the snapshot's bytes
 * ({@link ForwardRequest.InstallSnapshotChunk}, answered by {@link ForwardResponse.SnapshotChunkAccepted}).
 * InstallSnapshotResponse as a frame is in the wire format but has no raft-core type; {@link FrameDecoder}
 * refuses a frame carrying one as a message type this version does not handle. TimeoutNow (thesis §3.10) carries
 * only the leader's term; RequestVote's {@code transfer} flag marks the campaign it starts.
 *
 * <p>Payloads and chunk data are never copied on the way out (they are immutable once handed over) and copied
 * exactly once on the way in, out of the frame's buffer. A chunk's checksums are checked for presence and its
 * offsets and lengths for consistency here; verifying {@code chunkCrc32c} and the whole snapshot's CRC against
 * the bytes is the receiver's job (it stores them).
 */
final class WireCodec {

    private WireCodec() {
    }

    // ------------------------------------------------------------------ raft-core -> wire

    static Frame handshake(String clusterId, String nodeId, int protocolVersion) {
        return Frame.newBuilder().setHandshake(Handshake.newBuilder()
                .setClusterId(clusterId).setNodeId(nodeId).setProtocolVersion(protocolVersion)).build();
    }

    static Frame ping(long nonce) {
        return Frame.newBuilder().setPing(io.keelraft.transport.netty.wire.Ping.newBuilder().setNonce(nonce)).build();
    }

    static Frame pong(long nonce) {
        return Frame.newBuilder().setPong(io.keelraft.transport.netty.wire.Pong.newBuilder().setNonce(nonce)).build();
    }

    static Frame toFrame(Message message) {
        Frame.Builder frame = Frame.newBuilder();
        if (message instanceof Message.AppendEntries m) {
            AppendEntries.Builder b = AppendEntries.newBuilder()
                    .setTerm(m.term()).setPrevLogIndex(m.prevLogIndex()).setPrevLogTerm(m.prevLogTerm())
                    .setLeaderCommit(m.leaderCommit()).setReadSeq(m.readSeq());
            for (LogEntry e : m.entries()) {
                b.addEntries(Entry.newBuilder().setTerm(e.term()).setType(toWire(e.type()))
                        .setPayload(UnsafeByteOperations.unsafeWrap(e.payload())));
            }
            frame.setAppendEntries(b);
        } else if (message instanceof Message.AppendEntriesResponse m) {
            frame.setAppendEntriesResponse(AppendEntriesResponse.newBuilder()
                    .setTerm(m.term()).setSuccess(m.success()).setMatchIndex(m.matchIndex())
                    .setRejectedIndex(m.rejectedIndex()).setConflictTerm(m.conflictTerm())
                    .setConflictIndex(m.conflictIndex()).setReadSeq(m.readSeq()));
        } else if (message instanceof Message.RequestVote m) {
            frame.setRequestVote(RequestVote.newBuilder()
                    .setTerm(m.term()).setLastLogIndex(m.lastLogIndex()).setLastLogTerm(m.lastLogTerm())
                    .setPreVote(m.preVote()).setTransfer(m.transfer()));
        } else if (message instanceof Message.RequestVoteResponse m) {
            frame.setRequestVoteResponse(RequestVoteResponse.newBuilder()
                    .setTerm(m.term()).setGranted(m.granted()).setPreVote(m.preVote()));
        } else if (message instanceof Message.InstallSnapshot m) {
            frame.setInstallSnapshot(snapshotHeader(m.term(), m.from(), m.snapshot()).setDone(true));
        } else if (message instanceof Message.TimeoutNow m) {
            frame.setTimeoutNow(io.keelraft.transport.netty.wire.TimeoutNow.newBuilder().setTerm(m.term()));
        } else {
            throw new IllegalArgumentException("no wire form for " + message.getClass().getName());
        }
        return frame.build();
    }

    static Frame forwardRequest(long correlationId, ForwardRequest request) {
        var b = io.keelraft.transport.netty.wire.ForwardRequest.newBuilder().setCorrelationId(correlationId);
        if (request instanceof ForwardRequest.Submit s) {
            b.setSubmit(io.keelraft.transport.netty.wire.ForwardRequest.Submit.newBuilder()
                    .setCommand(UnsafeByteOperations.unsafeWrap(s.command())));
        } else if (request instanceof ForwardRequest.ReadIndex) {
            b.setReadIndex(io.keelraft.transport.netty.wire.ForwardRequest.ReadIndexRequest.getDefaultInstance());
        } else if (request instanceof ForwardRequest.InstallSnapshotChunk c) {
            b.setInstallSnapshotChunk(snapshotHeader(c.term(), c.leaderId(), c.snapshot())
                    .setTotalBytes(c.totalBytes()).setTotalCrc32C(c.totalCrc32c())
                    .setOffset(c.offset()).setData(UnsafeByteOperations.unsafeWrap(c.data()))
                    .setDataCrc32C(c.chunkCrc32c()).setDone(c.last()));
        } else {
            throw new IllegalArgumentException("no wire form for " + request.getClass().getName());
        }
        return Frame.newBuilder().setForwardRequest(b).build();
    }

    static Frame forwardResponse(long correlationId, ForwardResponse response) {
        var b = io.keelraft.transport.netty.wire.ForwardResponse.newBuilder().setCorrelationId(correlationId);
        if (response instanceof ForwardResponse.Applied a) {
            b.setApplied(io.keelraft.transport.netty.wire.ForwardResponse.Applied.newBuilder()
                    .setIndex(a.index()).setResult(UnsafeByteOperations.unsafeWrap(a.result())));
        } else if (response instanceof ForwardResponse.ReadIndex r) {
            b.setReadIndex(io.keelraft.transport.netty.wire.ForwardResponse.ReadIndexResult.newBuilder()
                    .setReadIndex(r.readIndex()));
        } else if (response instanceof ForwardResponse.Failed f) {
            var failed = io.keelraft.transport.netty.wire.ForwardResponse.Failed.newBuilder()
                    .setReason(toWire(f.reason())).setMessage(f.message())
                    .setCertainlyNotApplied(f.certainlyNotApplied());
            if (f.leaderHint() != null) {
                failed.setLeaderHint(f.leaderHint());
            }
            b.setFailed(failed);
        } else if (response instanceof ForwardResponse.SnapshotChunkAccepted a) {
            b.setSnapshotChunkAccepted(InstallSnapshotResponse.newBuilder()
                    .setTerm(a.term()).setNextOffset(a.nextOffset()).setSuccess(true));
        } else {
            throw new IllegalArgumentException("no wire form for " + response.getClass().getName());
        }
        return Frame.newBuilder().setForwardResponse(b).build();
    }

    /** The answer to a remote client's request {@code callId}; {@code leaderAddress} goes with a leader hint. */
    static Frame clientResponse(long callId, ForwardResponse response, String leaderAddress) {
        Frame frame = forwardResponse(callId, response);
        if (leaderAddress == null || !frame.getForwardResponse().hasFailed()) {
            return frame;
        }
        var b = frame.getForwardResponse().toBuilder();
        b.getFailedBuilder().setLeaderAddress(leaderAddress);
        return Frame.newBuilder().setForwardResponse(b).build();
    }

    /** A remote client's request in raft-core's terms. */
    static ClientRequest toClientRequest(io.keelraft.transport.netty.wire.ClientRequest request) {
        switch (request.getRequestCase()) {
            case OPEN_SESSION:
                return new ClientRequest.OpenSession();
            case COMMAND: {
                var c = request.getCommand();
                return new ClientRequest.Command(c.getSessionId(), c.getSeq(), c.getAckedThrough(),
                        c.getCommand().toByteArray());
            }
            case QUERY: {
                var q = request.getQuery();
                ReadMode mode = switch (q.getMode()) {
                    case READ_MODE_READ_INDEX -> ReadMode.READ_INDEX;
                    case READ_MODE_LEASE -> ReadMode.LEASE;
                    case READ_MODE_STALE_LOCAL -> ReadMode.STALE_LOCAL;
                    default -> throw new BadInputException(Rejection.MALFORMED_FRAME, "a query of unknown read mode "
                            + q.getModeValue());
                };
                return new ClientRequest.Query(q.getQuery().toByteArray(), mode);
            }
            default:
                throw new BadInputException(Rejection.UNKNOWN_MESSAGE_TYPE,
                        "a client request of no known kind (" + request.getRequestCase() + ")");
        }
    }

    private static InstallSnapshot.Builder snapshotHeader(long term, String leaderId, SnapshotMeta snapshot) {
        return InstallSnapshot.newBuilder().setTerm(term).setLeaderId(leaderId)
                .setLastIncludedIndex(snapshot.index()).setLastIncludedTerm(snapshot.term())
                .setConfiguration(UnsafeByteOperations.unsafeWrap(snapshot.configuration().encode()));
    }

    // ------------------------------------------------------------------ wire -> raft-core

    /**
     * The Raft message in {@code frame}, sent by {@code from} to {@code to}.
     *
     * @throws BadInputException when the frame holds no Raft message this version handles, or impossible values
     */
    static Message toMessage(Frame frame, String from, String to) {
        switch (frame.getBodyCase()) {
            case APPEND_ENTRIES: {
                AppendEntries m = frame.getAppendEntries();
                List<LogEntry> entries = new ArrayList<>(m.getEntriesCount());
                long index = m.getPrevLogIndex();
                for (Entry e : m.getEntriesList()) {
                    // Indexes are implied: entries follow prevLogIndex without gaps (paper Figure 2).
                    entries.add(new LogEntry(++index, e.getTerm(), fromWire(e), e.getPayload().toByteArray()));
                }
                return new Message.AppendEntries(m.getTerm(), from, to, m.getPrevLogIndex(), m.getPrevLogTerm(),
                        entries, m.getLeaderCommit(), m.getReadSeq());
            }
            case APPEND_ENTRIES_RESPONSE: {
                AppendEntriesResponse m = frame.getAppendEntriesResponse();
                return new Message.AppendEntriesResponse(m.getTerm(), from, to, m.getSuccess(), m.getMatchIndex(),
                        m.getRejectedIndex(), m.getConflictTerm(), m.getConflictIndex(), m.getReadSeq());
            }
            case REQUEST_VOTE: {
                RequestVote m = frame.getRequestVote();
                return new Message.RequestVote(m.getTerm(), from, to, m.getLastLogIndex(), m.getLastLogTerm(),
                        m.getPreVote(), m.getTransfer());
            }
            case REQUEST_VOTE_RESPONSE: {
                RequestVoteResponse m = frame.getRequestVoteResponse();
                return new Message.RequestVoteResponse(m.getTerm(), from, to, m.getGranted(), m.getPreVote());
            }
            case INSTALL_SNAPSHOT: {
                InstallSnapshot m = frame.getInstallSnapshot();
                SnapshotMeta snapshot = snapshotMeta(m, from);
                if (!m.getData().isEmpty() || m.getOffset() != 0 || !m.getDone() || m.getTotalBytes() != 0
                        || m.hasTotalCrc32C() || m.hasDataCrc32C()) {
                    throw new BadInputException(Rejection.MALFORMED_FRAME, "an InstallSnapshot frame with chunk"
                            + " fields (offset " + m.getOffset() + ", " + m.getData().size() + " data bytes): chunks"
                            + " travel as forwarded requests");
                }
                return new Message.InstallSnapshot(nonNegative("term", m.getTerm()), from, to, snapshot);
            }
            case TIMEOUT_NOW: {
                long term = nonNegative("term", frame.getTimeoutNow().getTerm());
                if (term == 0) {
                    throw new BadInputException(Rejection.MALFORMED_FRAME, "a TimeoutNow for term 0");
                }
                return new Message.TimeoutNow(term, from, to);
            }
            default:
                throw new BadInputException(Rejection.UNKNOWN_MESSAGE_TYPE,
                        "no Raft message of type " + frame.getBodyCase() + " in this version");
        }
    }

    /**
     * The forwarded request in {@code request}, sent by {@code from}.
     *
     * @throws BadInputException when it is of no known kind or holds impossible values
     */
    static ForwardRequest toForwardRequest(io.keelraft.transport.netty.wire.ForwardRequest request, String from) {
        switch (request.getRequestCase()) {
            case SUBMIT:
                return new ForwardRequest.Submit(request.getSubmit().getCommand().toByteArray());
            case READ_INDEX:
                return new ForwardRequest.ReadIndex();
            case INSTALL_SNAPSHOT_CHUNK:
                return toChunk(request.getInstallSnapshotChunk(), from);
            default:
                throw new BadInputException(Rejection.UNKNOWN_MESSAGE_TYPE,
                        "forwarded request of no known kind (" + request.getRequestCase() + ")");
        }
    }

    static ForwardResponse toForwardResponse(io.keelraft.transport.netty.wire.ForwardResponse response) {
        switch (response.getResponseCase()) {
            case APPLIED:
                return new ForwardResponse.Applied(response.getApplied().getIndex(),
                        response.getApplied().getResult().toByteArray());
            case READ_INDEX:
                return new ForwardResponse.ReadIndex(response.getReadIndex().getReadIndex());
            case FAILED: {
                var f = response.getFailed();
                return new ForwardResponse.Failed(fromWire(f.getReason()),
                        f.hasLeaderHint() ? f.getLeaderHint() : null, f.getMessage(), f.getCertainlyNotApplied());
            }
            case SNAPSHOT_CHUNK_ACCEPTED: {
                InstallSnapshotResponse a = response.getSnapshotChunkAccepted();
                if (!a.getSuccess()) {
                    throw new BadInputException(Rejection.MALFORMED_FRAME, "a snapshot chunk answer without success");
                }
                return new ForwardResponse.SnapshotChunkAccepted(nonNegative("term", a.getTerm()),
                        nonNegative("next offset", a.getNextOffset()));
            }
            default:
                throw new BadInputException(Rejection.UNKNOWN_MESSAGE_TYPE,
                        "forwarded response of no known kind (" + response.getResponseCase() + ")");
        }
    }

    /** A chunk, checked: every length and offset consistent, both checksums present. */
    private static ForwardRequest.InstallSnapshotChunk toChunk(InstallSnapshot m, String from) {
        SnapshotMeta snapshot = snapshotMeta(m, from);
        long total = nonNegative("snapshot size", m.getTotalBytes());
        long offset = nonNegative("chunk offset", m.getOffset());
        int length = m.getData().size();
        if (offset > total - length) {
            throw new BadInputException(Rejection.MALFORMED_FRAME, "a snapshot chunk of " + length + " bytes at offset "
                    + offset + " runs past the snapshot's " + total + " bytes");
        }
        boolean last = offset + length == total;
        if (m.getDone() != last) {
            throw new BadInputException(Rejection.MALFORMED_FRAME, "a snapshot chunk of " + length + " bytes at offset "
                    + offset + " of " + total + " is marked " + (m.getDone() ? "" : "not ") + "the last");
        }
        if (length == 0 && !last) {
            throw new BadInputException(Rejection.MALFORMED_FRAME, "an empty snapshot chunk that is not the last");
        }
        if (!m.hasTotalCrc32C() || !m.hasDataCrc32C()) {
            throw new BadInputException(Rejection.MALFORMED_FRAME, "a snapshot chunk without its "
                    + (m.hasTotalCrc32C() ? "data" : "total") + " CRC32C");
        }
        // The one copy of the chunk's bytes: out of the frame's buffer, into the array raft-core keeps.
        return new ForwardRequest.InstallSnapshotChunk(nonNegative("term", m.getTerm()), from, snapshot, total,
                m.getTotalCrc32C(), offset, m.getData().toByteArray(), m.getDataCrc32C(), last);
    }

    private static SnapshotMeta snapshotMeta(InstallSnapshot m, String from) {
        if (!m.getLeaderId().isEmpty() && !m.getLeaderId().equals(from)) {
            throw new BadInputException(Rejection.MALFORMED_FRAME, "a snapshot from leader '" + m.getLeaderId()
                    + "' on the connection of peer '" + from + "'");
        }
        long index = m.getLastIncludedIndex();
        long term = m.getLastIncludedTerm();
        if (index <= 0 || term <= 0) { // uint64 past Long.MAX_VALUE reads as negative
            throw new BadInputException(Rejection.MALFORMED_FRAME, "a snapshot with last included index "
                    + Long.toUnsignedString(index) + " and term " + Long.toUnsignedString(term));
        }
        ClusterConfiguration configuration;
        try {
            configuration = ClusterConfiguration.decode(m.getConfiguration().toByteArray());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(Rejection.MALFORMED_FRAME, "a snapshot whose configuration does not decode: "
                    + e.getMessage());
        }
        return new SnapshotMeta(index, term, configuration);
    }

    private static long nonNegative(String what, long value) {
        if (value < 0) {
            throw new BadInputException(Rejection.MALFORMED_FRAME, what + " " + Long.toUnsignedString(value)
                    + " is out of range");
        }
        return value;
    }

    // ------------------------------------------------------------------ enums

    private static io.keelraft.transport.netty.wire.EntryType toWire(EntryType type) {
        switch (type) {
            case COMMAND:
                return io.keelraft.transport.netty.wire.EntryType.ENTRY_TYPE_COMMAND;
            case NO_OP:
                return io.keelraft.transport.netty.wire.EntryType.ENTRY_TYPE_NO_OP;
            case CONFIGURATION:
                return io.keelraft.transport.netty.wire.EntryType.ENTRY_TYPE_CONFIGURATION;
            default:
                throw new IllegalArgumentException("no wire form for entry type " + type);
        }
    }

    private static EntryType fromWire(Entry entry) {
        switch (entry.getType()) {
            case ENTRY_TYPE_COMMAND:
                return EntryType.COMMAND;
            case ENTRY_TYPE_NO_OP:
                return EntryType.NO_OP;
            case ENTRY_TYPE_CONFIGURATION:
                return EntryType.CONFIGURATION;
            default:
                throw new BadInputException(Rejection.MALFORMED_FRAME,
                        "log entry of unknown type " + entry.getTypeValue());
        }
    }

    /** Exhaustive on purpose: a reason added to raft-core does not compile here until it has a wire form. */
    static Reason toWire(ForwardResponse.Reason reason) {
        return switch (reason) {
            case NOT_LEADER -> Reason.REASON_NOT_LEADER;
            case OVERLOADED -> Reason.REASON_OVERLOADED;
            case SHUTDOWN -> Reason.REASON_SHUTDOWN;
            case SESSION_EXPIRED -> Reason.REASON_SESSION_EXPIRED;
            case TIMEOUT -> Reason.REASON_TIMEOUT;
            case INTERNAL -> Reason.REASON_INTERNAL;
            case OUT_OF_ORDER -> Reason.REASON_OUT_OF_ORDER;
        };
    }

    static ForwardResponse.Reason fromWire(Reason reason) {
        switch (reason) {
            case REASON_NOT_LEADER:
                return ForwardResponse.Reason.NOT_LEADER;
            case REASON_OVERLOADED:
                return ForwardResponse.Reason.OVERLOADED;
            case REASON_SHUTDOWN:
                return ForwardResponse.Reason.SHUTDOWN;
            case REASON_TIMEOUT:
                return ForwardResponse.Reason.TIMEOUT;
            case REASON_INTERNAL:
                return ForwardResponse.Reason.INTERNAL;
            case REASON_SESSION_EXPIRED:
                return ForwardResponse.Reason.SESSION_EXPIRED;
            case REASON_OUT_OF_ORDER:
                return ForwardResponse.Reason.OUT_OF_ORDER;
            default:
                throw new BadInputException(Rejection.MALFORMED_FRAME, "forwarded failure of unknown reason " + reason);
        }
    }
}
