package io.keelraft.core.runtime;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * How a user command travels in a log entry's payload: a kind, the leader's wall-clock stamp (so sessions
 * expire by time carried in the log, identically on every server — thesis §6.3), and for session commands
 * the session id, sequence number and the highest sequence number whose response the client has received.
 *
 * <pre>
 * PLAIN        kind(1) time(8) command
 * OPEN_SESSION kind(1) time(8)
 * SESSION      kind(1) time(8) sessionId(8) seq(8) ackedThrough(8) command
 * ORDERED      kind(1) time(8) sessionId(8) seq(8) ackedThrough(8) command
 * </pre>
 *
 * ORDERED is a session command that must be applied in sequence order (Keel's remote client pipelines many
 * commands of one session): see {@link SessionTable#apply}.
 */
record CommandEnvelope(Kind kind, long timeMillis, long sessionId, long seq, long ackedThrough, byte[] command) {

    enum Kind { PLAIN, OPEN_SESSION, SESSION, ORDERED;

        boolean inSession() {
            return this == SESSION || this == ORDERED;
        }
    }

    /** {@code Kind.values()} copies the array on every call; decode runs once per applied entry. */
    private static final Kind[] KINDS = Kind.values();
    private static final int HEADER = 9;
    private static final int SESSION_HEADER = HEADER + 24;

    static CommandEnvelope plain(byte[] command) {
        return new CommandEnvelope(Kind.PLAIN, 0, 0, 0, 0, command);
    }

    static CommandEnvelope openSession() {
        return new CommandEnvelope(Kind.OPEN_SESSION, 0, 0, 0, 0, new byte[0]);
    }

    static CommandEnvelope session(long sessionId, long seq, long ackedThrough, byte[] command) {
        return new CommandEnvelope(Kind.SESSION, 0, sessionId, seq, ackedThrough, command);
    }

    /** A session command applied only right after its session's previous sequence number. */
    static CommandEnvelope ordered(long sessionId, long seq, long ackedThrough, byte[] command) {
        return new CommandEnvelope(Kind.ORDERED, 0, sessionId, seq, ackedThrough, command);
    }

    byte[] encode() {
        int header = kind.inSession() ? SESSION_HEADER : HEADER;
        ByteBuffer b = ByteBuffer.allocate(header + command.length);
        b.put((byte) kind.ordinal()).putLong(timeMillis);
        if (kind.inSession()) {
            b.putLong(sessionId).putLong(seq).putLong(ackedThrough);
        }
        b.put(command);
        return b.array();
    }

    /**
     * The leader stamps its clock into an encoded envelope just before proposing it. In place: every envelope
     * proposed is a fresh array that its proposer hands over (encoded for this proposal, or decoded off the wire).
     */
    static byte[] stamp(byte[] encoded, long timeMillis) {
        ByteBuffer.wrap(encoded).putLong(1, timeMillis);
        return encoded;
    }

    /**
     * Decodes a payload written by {@link #encode}.
     *
     * @throws IllegalArgumentException when the payload is not an envelope
     */
    static CommandEnvelope decode(byte[] payload) {
        if (payload.length < HEADER) {
            throw new IllegalArgumentException("command envelope of " + payload.length + " bytes is shorter than its header");
        }
        ByteBuffer b = ByteBuffer.wrap(payload);
        int kindByte = b.get();
        if (kindByte < 0 || kindByte >= KINDS.length) {
            throw new IllegalArgumentException("unknown command envelope kind " + kindByte);
        }
        Kind kind = KINDS[kindByte];
        long time = b.getLong();
        if (!kind.inSession()) {
            return new CommandEnvelope(kind, time, 0, 0, 0, Arrays.copyOfRange(payload, HEADER, payload.length));
        }
        if (payload.length < SESSION_HEADER) {
            throw new IllegalArgumentException("session command envelope of " + payload.length + " bytes is truncated");
        }
        long sessionId = b.getLong();
        long seq = b.getLong();
        long acked = b.getLong();
        return new CommandEnvelope(kind, time, sessionId, seq, acked,
                Arrays.copyOfRange(payload, SESSION_HEADER, payload.length));
    }
}
