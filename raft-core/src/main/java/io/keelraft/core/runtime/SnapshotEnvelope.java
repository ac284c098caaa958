package io.keelraft.core.runtime;

import io.keelraft.core.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The bytes of a snapshot as the runtime stores and ships them: a header, the client-session table, then the
 * state machine's own bytes.
 *
 * <pre>
 * magic "KSNP" (int) | format version (int) | session table length (int) | session table | state machine bytes
 * </pre>
 *
 * The session table travels with the state because it is part of the replicated state (thesis §6.3): a server
 * restored from a snapshot must still recognise a retried command as a duplicate. The snapshot's index, term
 * and configuration are the store's metadata, not part of these bytes; the store checksums the whole.
 */
final class SnapshotEnvelope {

    static final int MAGIC = 0x4b534e50; // "KSNP"
    static final int VERSION = 1;

    private SnapshotEnvelope() {
    }

    /** Writes the envelope: header and sessions, then the state machine's captured view. */
    static void write(OutputStream out, byte[] sessions, StateMachine.Snapshot state) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(MAGIC);
        d.writeInt(VERSION);
        d.writeInt(sessions.length);
        d.write(sessions);
        d.flush();
        state.writeTo(out);
        out.flush();
    }

    /**
     * Reads the header and the session table into {@code sessions}; returns the stream positioned at the state
     * machine's bytes.
     */
    static InputStream readSessions(InputStream in, SessionTable sessions) throws IOException {
        DataInputStream d = new DataInputStream(in);
        int magic = d.readInt();
        if (magic != MAGIC) {
            throw new IOException(String.format("not a Keel snapshot: magic %08x, expected %08x", magic, MAGIC));
        }
        int version = d.readInt();
        if (version != VERSION) {
            throw new IOException("snapshot format version " + version + " is not supported (expected " + VERSION
                    + ")");
        }
        int length = d.readInt();
        if (length < 0) {
            throw new IOException("snapshot session table length " + length + " is negative");
        }
        byte[] table = d.readNBytes(length);
        if (table.length != length) {
            throw new IOException("snapshot ends inside its session table");
        }
        sessions.readFrom(new DataInputStream(new ByteArrayInputStream(table)));
        return in;
    }

    /**
     * Restores sessions and state machine from a whole snapshot stream, then reads whatever the state machine
     * left unread, so that the store's end-of-stream checksum is always verified.
     */
    static void restore(InputStream in, SessionTable sessions, StateMachine stateMachine) throws IOException {
        InputStream rest = readSessions(in, sessions);
        stateMachine.restore(new FilterInputStream(rest) {
            @Override
            public void close() {
                // The runtime owns the stream; a state machine closing it early must not skip the checksum.
            }
        });
        rest.transferTo(OutputStream.nullOutputStream());
    }
}
