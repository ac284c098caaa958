package io.keelraft.core.runtime;

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
    sealed interface Outcome permits Outcome.Result, Outcome.Expired {
        /** The command's result: freshly applied, or the cached result of an earlier application. */
        record Result(byte[] value, boolean duplicate) implements Outcome {
        }

        /** The session is unknown (expired or never opened), or the response was already discarded. */
        record Expired(String reason) implements Outcome {
        }
    }

    private static final class Session {
        long lastActiveMillis;
        /** Responses the client may still ask for again, by sequence number. */
        final TreeMap<Long, byte[]> responses = new TreeMap<>();
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
     * @param apply runs the command against the state machine (only for a sequence number not seen before)
     */
    Outcome apply(long sessionId, long seq, long ackedThrough, Supplier<byte[]> apply) {
        Session s = sessions.get(sessionId);
        if (s == null) {
            return new Outcome.Expired("session " + sessionId + " is unknown or expired");
        }
        s.lastActiveMillis = logTimeMillis;
        // The client has seen every response through ackedThrough: forget them (thesis §6.3).
        if (ackedThrough > s.discardedThrough) {
            s.responses.headMap(ackedThrough, true).clear();
            s.discardedThrough = ackedThrough;
        }
        byte[] cached = s.responses.get(seq);
        if (cached != null) {
            return new Outcome.Result(cached, true);
        }
        if (seq <= s.discardedThrough) {
            return new Outcome.Expired("session " + sessionId + " already acknowledged sequence " + seq
                    + " and discarded its response");
        }
        byte[] result = apply.get();
        s.responses.put(seq, result);
        return new Outcome.Result(result, false);
    }

    int size() {
        return sessions.size();
    }
}
