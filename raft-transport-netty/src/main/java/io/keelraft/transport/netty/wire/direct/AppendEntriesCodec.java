package io.keelraft.transport.netty.wire.direct;

import static io.keelraft.transport.netty.wire.direct.WireBytes.lengthDelimitedSize;
import static io.keelraft.transport.netty.wire.direct.WireBytes.sizeIfNotEmpty;
import static io.keelraft.transport.netty.wire.direct.WireBytes.sizeIfSet;
import static io.keelraft.transport.netty.wire.direct.WireBytes.writeIfSet;
import static io.keelraft.transport.netty.wire.direct.WireBytes.writeLengthDelimitedHead;
import static io.keelraft.transport.netty.wire.direct.WireBytes.writeTag;

import com.google.protobuf.WireFormat;
import io.keelraft.core.protocol.EntryType;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.protocol.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * AppendEntries straight between raft-core's records and protobuf bytes in an array, without the generated
 * protobuf objects or protobuf's streams: the one message that carries the log, and nearly all the bytes, skips
 * a builder and a ByteString per entry on each side, and is read and written with plain array accesses. The bytes
 * are those of {@code Frame { append_entries: AppendEntries }} in {@code keel.proto} (tests compare both ways
 * against the generated code), so the wire format is unchanged.
 *
 * <p>Reading takes the known fields in any order, a repeated one's last value winning, as protobuf does; a frame
 * with anything else in it (another body, unknown fields, a wire type or enum value this version does not
 * write, bytes that do not add up) is left to the generated parser, which accepts or rejects it by protobuf's
 * rules.
 *
 * <p>The protobuf primitives are {@link io.keelraft.transport.netty.wire.direct.WireBytes} and {@link WireCursor},
 * shared with the client protocol's ({@link io.keelraft.transport.netty.wire.direct.CallFrame}).
 */
public final class AppendEntriesCodec {

    private static final int FRAME_APPEND_ENTRIES = 4;

    // Field numbers of AppendEntries and Entry in keel.proto.
    private static final int TERM = 1;
    private static final int PREV_LOG_INDEX = 2;
    private static final int PREV_LOG_TERM = 3;
    private static final int ENTRIES = 4;
    private static final int LEADER_COMMIT = 5;
    private static final int READ_SEQ = 6;
    private static final int ENTRY_TERM = 1;
    private static final int ENTRY_TYPE = 2;
    private static final int ENTRY_PAYLOAD = 3;

    private AppendEntriesCodec() {
    }

    // ------------------------------------------------------------------ writing

    /** An AppendEntries with its sizes worked out once, ready to write. */
    public record Measured(Message.AppendEntries message, int[] entrySizes, int bodySize, int frameSize) {
    }

    public static Measured measure(Message.AppendEntries m) {
        List<LogEntry> entries = m.entries();
        int[] entrySizes = new int[entries.size()];
        int body = sizeIfSet(m.term()) + sizeIfSet(m.prevLogIndex()) + sizeIfSet(m.prevLogTerm())
                + sizeIfSet(m.leaderCommit()) + sizeIfSet(m.readSeq());
        for (int i = 0; i < entrySizes.length; i++) {
            LogEntry e = entries.get(i);
            int payload = e.payload().length;
            // term, type (one-byte tag and value), payload
            int entry = sizeIfSet(e.term()) + 2 + sizeIfNotEmpty(payload);
            entrySizes[i] = entry;
            body += lengthDelimitedSize(entry);
        }
        return new Measured(m, entrySizes, body, lengthDelimitedSize(body));
    }

    /** Writes the Frame into {@code out} from {@code pos}, which has room for its {@code frameSize} bytes. */
    public static int writeFrame(Measured measured, byte[] out, int pos) {
        Message.AppendEntries m = measured.message();
        pos = writeLengthDelimitedHead(out, pos, FRAME_APPEND_ENTRIES, measured.bodySize());
        // proto3 leaves zero values out; so do we, to produce the generated code's bytes.
        pos = writeIfSet(out, pos, TERM, m.term());
        pos = writeIfSet(out, pos, PREV_LOG_INDEX, m.prevLogIndex());
        pos = writeIfSet(out, pos, PREV_LOG_TERM, m.prevLogTerm());
        List<LogEntry> entries = m.entries();
        int[] entrySizes = measured.entrySizes();
        for (int i = 0; i < entrySizes.length; i++) {
            LogEntry e = entries.get(i);
            pos = writeLengthDelimitedHead(out, pos, ENTRIES, entrySizes[i]);
            pos = writeIfSet(out, pos, ENTRY_TERM, e.term());
            pos = writeTag(out, pos, ENTRY_TYPE, WireFormat.WIRETYPE_VARINT);
            out[pos++] = (byte) typeNumber(e.type());
            byte[] payload = e.payload();
            if (payload.length > 0) {
                pos = writeLengthDelimitedHead(out, pos, ENTRY_PAYLOAD, payload.length);
                System.arraycopy(payload, 0, out, pos, payload.length);
                pos += payload.length;
            }
        }
        pos = writeIfSet(out, pos, LEADER_COMMIT, m.leaderCommit());
        return writeIfSet(out, pos, READ_SEQ, m.readSeq());
    }

    private static int typeNumber(EntryType type) {
        switch (type) {
            case COMMAND:
                return io.keelraft.transport.netty.wire.EntryType.ENTRY_TYPE_COMMAND_VALUE;
            case NO_OP:
                return io.keelraft.transport.netty.wire.EntryType.ENTRY_TYPE_NO_OP_VALUE;
            case CONFIGURATION:
                return io.keelraft.transport.netty.wire.EntryType.ENTRY_TYPE_CONFIGURATION_VALUE;
            default:
                throw new IllegalArgumentException("no wire form for entry type " + type);
        }
    }

    // ------------------------------------------------------------------ reading

    /**
     * The AppendEntries in the frame at {@code in[offset, offset + length)}, or null when the frame holds something
     * else, or anything this reader does not take, for the generated parser to handle.
     */
    public static Message.AppendEntries readFrame(byte[] frame, int offset, int length, String from, String to) {
        WireCursor in = WireCursor.body(frame, offset, length, FRAME_APPEND_ENTRIES);
        if (in == null) {
            return null; // another body, something after the AppendEntries, or bytes missing
        }
        long term = 0;
        long prevLogIndex = 0;
        long prevLogTerm = 0;
        long leaderCommit = 0;
        long readSeq = 0;
        List<LogEntry> entries = new ArrayList<>(countEntries(frame, in.position(), offset + length));
        boolean reindex = false;
        while (in.more()) {
            switch (in.tag()) {
                case (TERM << 3) | WireFormat.WIRETYPE_VARINT:
                    term = in.varint();
                    break;
                case (PREV_LOG_INDEX << 3) | WireFormat.WIRETYPE_VARINT:
                    prevLogIndex = in.varint();
                    reindex |= !entries.isEmpty();
                    break;
                case (PREV_LOG_TERM << 3) | WireFormat.WIRETYPE_VARINT:
                    prevLogTerm = in.varint();
                    break;
                case (ENTRIES << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED: {
                    // Indexes are implied: entries follow prevLogIndex without gaps (paper Figure 2).
                    LogEntry entry = readEntry(in, prevLogIndex + 1 + entries.size());
                    if (entry == null) {
                        return null;
                    }
                    entries.add(entry);
                    break;
                }
                case (LEADER_COMMIT << 3) | WireFormat.WIRETYPE_VARINT:
                    leaderCommit = in.varint();
                    break;
                case (READ_SEQ << 3) | WireFormat.WIRETYPE_VARINT:
                    readSeq = in.varint();
                    break;
                default:
                    return null;
            }
            if (in.broken()) {
                return null;
            }
        }
        if (reindex) {
            // prev_log_index came after entries: legal protobuf, though no encoder of ours writes it.
            List<LogEntry> renumbered = new ArrayList<>(entries.size());
            for (LogEntry e : entries) {
                renumbered.add(new LogEntry(prevLogIndex + 1 + renumbered.size(), e.term(), e.type(), e.payload()));
            }
            entries = renumbered;
        }
        return new Message.AppendEntries(term, from, to, prevLogIndex, prevLogTerm, entries, leaderCommit, readSeq);
    }

    /** How many entries the AppendEntries body at {@code frame[pos, end)} holds, to size the list once. */
    private static int countEntries(byte[] frame, int pos, int end) {
        WireCursor in = new WireCursor(frame, pos, end);
        int count = 0;
        while (in.more()) {
            int tag = in.tag();
            if (tag == ((ENTRIES << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                count++;
                in.skipLengthDelimited();
            } else if ((tag & 7) == WireFormat.WIRETYPE_VARINT) {
                in.varint();
            } else {
                break; // not ours; readFrame will find out
            }
        }
        return count;
    }

    private static LogEntry readEntry(WireCursor in, long index) {
        int end = in.messageEnd();
        if (in.broken()) {
            return null;
        }
        long term = 0;
        long type = 0;
        byte[] payload = null;
        while (in.position() < end) {
            switch (in.tag()) {
                case (ENTRY_TERM << 3) | WireFormat.WIRETYPE_VARINT:
                    term = in.varint();
                    break;
                case (ENTRY_TYPE << 3) | WireFormat.WIRETYPE_VARINT:
                    type = in.varint();
                    break;
                case (ENTRY_PAYLOAD << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED:
                    payload = in.bytes(end); // the one copy, out of the network buffer
                    break;
                default:
                    return null;
            }
            if (in.broken() || in.position() > end) {
                return null;
            }
        }
        EntryType entryType = entryType(type);
        return entryType == null ? null : new LogEntry(index, term, entryType, payload);
    }

    /** The entry type with this wire number, or null for one this version does not know. */
    private static EntryType entryType(long number) {
        if (number == io.keelraft.transport.netty.wire.EntryType.ENTRY_TYPE_COMMAND_VALUE) {
            return EntryType.COMMAND;
        } else if (number == io.keelraft.transport.netty.wire.EntryType.ENTRY_TYPE_NO_OP_VALUE) {
            return EntryType.NO_OP;
        } else if (number == io.keelraft.transport.netty.wire.EntryType.ENTRY_TYPE_CONFIGURATION_VALUE) {
            return EntryType.CONFIGURATION;
        }
        return null;
    }
}
