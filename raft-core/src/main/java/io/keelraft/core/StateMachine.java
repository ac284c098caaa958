package io.keelraft.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The user's replicated state machine. Keel calls {@link #apply} with committed commands in log order, once
 * per index on each server, always from one thread; every server applies the same commands in the same
 * order, so a deterministic implementation ends in the same state everywhere (paper §5, Figure 1).
 *
 * <p>Implementations must be deterministic: the result of {@code apply} may depend only on the state and the
 * command — never on the clock, randomness or the local environment.
 */
public interface StateMachine {

    /**
     * Applies a committed command and returns its result, which completes the submitter's future.
     *
     * @param index   the command's log index (strictly increasing across calls)
     * @param command the bytes passed to {@link RaftNode#submit}
     * @return the result (never null; use an empty array for none)
     * @throws RuntimeException stops the server with an error naming the index: a replica that cannot apply a
     *                          committed command must not silently diverge from the others
     */
    byte[] apply(long index, byte[] command);

    /**
     * Answers a read-only query against the current state. Called on the apply thread, between applies, once
     * the state reflects every command committed before the query started (linearizable reads).
     */
    byte[] query(byte[] query);

    /**
     * Writes the whole state to {@code out} (log compaction, thesis chapter 5). Used by the default
     * {@link #snapshot()}, which calls it on the apply thread; a state machine whose state is large overrides
     * {@link #snapshot()} instead and may leave this method throwing {@link UnsupportedOperationException}.
     */
    void writeSnapshot(OutputStream out) throws IOException;

    /**
     * Captures a consistent view of the state as of the last applied command, for a snapshot (thesis §5.2).
     * Called on the apply thread between applies: it must return quickly — take an immutable or copy-on-write
     * view, never serialize here. The returned {@link StateSnapshot} is then written on a background thread
     * while {@link #apply} goes on, so the view must not change under it.
     *
     * <p>The default serializes the state into memory with {@link #writeSnapshot} on the apply thread, which
     * stalls applies for as long as that takes: fine for a small state, wrong for a large one.
     */
    default StateSnapshot snapshot() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try {
            writeSnapshot(bytes);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("writeSnapshot failed", e);
        }
        return bytes::writeTo;
    }

    /**
     * Replaces the whole state with one written by a {@link StateSnapshot}: at start (on the thread that builds
     * the node, before any of its threads runs), or when the leader installs its snapshot on a lagging follower
     * (on the apply thread, between applies). The stream holds exactly the bytes the snapshot wrote.
     */
    void restoreSnapshot(InputStream in) throws IOException;

    /**
     * For a state machine that keeps its own durable state: the index of the last command whose effect it
     * holds when the server starts. Keel then skips restoring a snapshot at or below that index and replays
     * the log only after it. The default, 0, means the state lives in memory and starts empty.
     */
    default long lastAppliedAtStart() {
        return 0;
    }

    /**
     * A view of the state captured by {@link #snapshot()}, written once on a background thread.
     */
    @FunctionalInterface
    interface StateSnapshot {
        /** Writes the captured state to {@code out} (buffered by the caller); may block on I/O. */
        void writeTo(OutputStream out) throws IOException;
    }

    /** Told when this server learns of a new leader ({@code leaderId} null: none known). Default: ignored. */
    default void onLeaderChange(String leaderId, long term) {
    }
}
