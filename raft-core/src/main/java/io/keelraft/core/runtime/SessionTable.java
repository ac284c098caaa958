package io.keelraft.core.runtime;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Client sessions for exactly-once commands (thesis §6.3). Part of the replicated state: every server builds
 * the same table from the same log, because every decision depends only on entry contents — including time,
 * which is the leader's stamp carried in each entry, never a local clock. Confined to the apply thread.
 */
final class SessionTable {

    /** Outcome of a session command. */
    sealed interface Outcome permits Outcome.Result, Outcome.Expired, Outcome.ResponseGone, Outcome.Reused,
            Outcome.OutOfOrder {
        /** The command's result: freshly applied, or the cached result of an earlier application. */
        record Result(byte[] value, boolean duplicate) implements Outcome {
        }

        /** The session is unknown (expired or never opened): the command was not applied. */
        record Expired(String reason) implements Outcome {
        }

        /**
         * The sequence number was applied before, but its response is gone (discarded once acknowledged, or not
         * kept across a restart): not applied again, yet the command did take effect — never "not applied".
         */
        record ResponseGone(String reason) implements Outcome {
        }

        /** The client sent a different command under a sequence number it had already used: refused, not applied. */
        record Reused(String reason) implements Outcome {
        }

        /**
         * An ordered command whose predecessor in the session has not been applied yet: refused, not applied; the
         * client sends it again after the predecessor.
         */
        record OutOfOrder(String reason) implements Outcome {
        }
    }

    /** A cached response and a fingerprint of the command it answered. */
    private record Response(byte[] value, int commandHash) {
    }

    private static final class Session {
        long lastActiveMillis;
        /** Responses the client may still ask for again, by sequence number. */
        final TreeMap<Long, Response> responses = new TreeMap<>();
        /** Every sequence number at or below this one was acknowledged by the client and forgotten. */
        long discardedThrough;

        Session(long now) {
            this.lastActiveMillis = now;
        }
    }

    private final long timeoutMillis;
    private final Map<Long, Session> sessions = new HashMap<>();
    /** The log's clock: the highest leader stamp applied so far (stamps from different leaders may go back). */
    private long logTimeMillis;
    private long lastExpiryScanMillis;

    SessionTable(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    /** Advances the log's clock to an entry's stamp and expires idle sessions, identically on every server. */
    void advanceTime(long stampMillis) {
        logTimeMillis = Math.max(logTimeMillis, stampMillis);
        if (logTimeMillis - lastExpiryScanMillis < Math.min(timeoutMillis, 1_000)) {
            return;
        }
        lastExpiryScanMillis = logTimeMillis;
        for (Iterator<Session> it = sessions.values().iterator(); it.hasNext(); ) {
            if (logTimeMillis - it.next().lastActiveMillis > timeoutMillis) {
                it.remove();
            }
        }
    }

    /** Opens the session whose id is the index of its OPEN_SESSION entry. */
    void open(long sessionId) {
        sessions.put(sessionId, new Session(logTimeMillis));
    }

    /**
     * Applies a session command at most once: a retried sequence number returns the cached response.
     *
     * @param command the command's bytes: a retry must carry the same command as the first attempt
     * @param apply   runs the command against the state machine (only for a sequence number not seen before);
     *                may return null when the command took effect but its response is unknown (a replay)
     */
    Outcome apply(long sessionId, long seq, long ackedThrough, byte[] command, Supplier<byte[]> apply) {
        return apply(sessionId, seq, ackedThrough, command, false, apply);
    }

    /**
     * As {@link #apply(long, long, long, byte[], Supplier)}; when {@code ordered}, a new sequence number is applied
     * only right after the highest one applied (or acknowledged) in the session, so that a client pipelining many
     * commands has them applied in its order whatever order retries and leader changes put them in the log.
     * Decided from the table alone, as every server's table is the same at this entry: every sequence number
     * applied above {@code discardedThrough} is a key of {@code responses}, so their highest key is the session's
     * last applied command.
     */
    Outcome apply(long sessionId, long seq, long ackedThrough, byte[] command, boolean ordered,
                  Supplier<byte[]> apply) {
        Session s = sessions.get(sessionId);
        if (s == null) {
            return new Outcome.Expired("session " + sessionId + " is unknown or expired");
        }
        s.lastActiveMillis = logTimeMillis;
        // The client has seen every response through ackedThrough: forget them (thesis §6.3).
        if (ackedThrough > s.discardedThrough) {
            while (!s.responses.isEmpty() && s.responses.firstKey() <= ackedThrough) {
                s.responses.pollFirstEntry(); // no view object per command, as headMap(..).clear() would make
            }
            s.discardedThrough = ackedThrough;
        }
        int commandHash = Arrays.hashCode(command);
        Response cached = s.responses.get(seq);
        if (cached != null) {
            if (cached.commandHash() != commandHash) {
                // Answering with another command's result would be a silent lie to a confused client.
                return new Outcome.Reused("session " + sessionId + " already used sequence " + seq
                        + " for a different command; each command needs its own sequence number");
            }
            if (cached.value() == null) {
                // Applied while the state machine kept its own state, replayed for the session table only.
                return new Outcome.ResponseGone("session " + sessionId + " sequence " + seq + " was applied, but its "
                        + "response was not kept across a restart");
            }
            return new Outcome.Result(cached.value(), true);
        }
        if (seq <= s.discardedThrough) {
            return new Outcome.ResponseGone("session " + sessionId + " already acknowledged sequence " + seq
                    + " and discarded its response");
        }
        if (ordered) {
            long last = s.responses.isEmpty() ? s.discardedThrough : Math.max(s.responses.lastKey(), s.discardedThrough);
            if (seq != last + 1) {
                return new Outcome.OutOfOrder("session " + sessionId + " sequence " + seq + " arrived before sequence "
                        + (last + 1) + (seq > last + 1 ? "" : " (it was not applied and now never can be)")
                        + "; not applied");
            }
        }
        byte[] result = apply.get();
        s.responses.put(seq, new Response(result, commandHash));
        return new Outcome.Result(result, false);
    }

    int size() {
        return sessions.size();
    }

    /** Format version of {@link #writeTo}. */
    private static final int FORMAT = 1;

    /**
     * Writes the table into a snapshot (thesis §6.3: the session table is part of the replicated state, so a
     * snapshot must carry it, or a command retried after a restart or an install would be applied twice).
     */
    void writeTo(DataOutputStream out) throws IOException {
        out.writeInt(FORMAT);
        out.writeLong(logTimeMillis);
        out.writeLong(lastExpiryScanMillis);
        out.writeInt(sessions.size());
        for (Map.Entry<Long, Session> e : new TreeMap<>(sessions).entrySet()) {
            Session s = e.getValue();
            out.writeLong(e.getKey());
            out.writeLong(s.lastActiveMillis);
            out.writeLong(s.discardedThrough);
            out.writeInt(s.responses.size());
            for (Map.Entry<Long, Response> r : s.responses.entrySet()) {
                out.writeLong(r.getKey());
                out.writeInt(r.getValue().commandHash());
                byte[] v = r.getValue().value();
                out.writeInt(v == null ? -1 : v.length);
                if (v != null) {
                    out.write(v);
                }
            }
        }
    }

    /** Replaces the table with one written by {@link #writeTo}. */
    void readFrom(DataInputStream in) throws IOException {
        int format = in.readInt();
        if (format != FORMAT) {
            throw new IOException("session table format " + format + " is not supported (expected " + FORMAT + ")");
        }
        sessions.clear();
        logTimeMillis = in.readLong();
        lastExpiryScanMillis = in.readLong();
        for (int n = in.readInt(); n > 0; n--) {
            long id = in.readLong();
            Session s = new Session(in.readLong());
            s.discardedThrough = in.readLong();
            for (int r = in.readInt(); r > 0; r--) {
                long seq = in.readLong();
                int hash = in.readInt();
                int length = in.readInt();
                byte[] v = null;
                if (length >= 0) {
                    v = new byte[length];
                    in.readFully(v);
                }
                s.responses.put(seq, new Response(v, hash));
            }
            sessions.put(id, s);
        }
    }
}
