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
     * Captures a consistent view of the state as of the last applied command, for a snapshot (thesis §5.2).
     * Called on the apply thread between applies, so it must return quickly: take an immutable or copy-on-write
     * view, or — for a small state — serialize it into a byte array right here. The returned {@link Snapshot} is
     * then written on a background thread while {@link #apply} goes on, so the view must not change under it.
     *
     * <pre>{@code
     * public Snapshot snapshot() {
     *     byte[] state = serialize(map);          // small state: copy now
     *     return out -> out.write(state);
     * }
     * }</pre>
     */
    Snapshot snapshot();

    /**
     * Replaces the whole state with one a {@link Snapshot} wrote: at start (on the thread that builds the node,
     * before any of its threads runs), or when the leader installs its snapshot on a lagging follower (on the
     * apply thread, between applies). The stream holds exactly the bytes the snapshot wrote.
     */
    void restore(InputStream in) throws IOException;

    /**
     * For a state machine that keeps its own durable state: the index of the last command whose effect it
     * holds when the server starts. Keel then skips restoring a snapshot at or below that index and replays
     * the log only after it. The default, 0, means the state lives in memory and starts empty.
     */
    default long lastAppliedAtStart() {
        return 0;
    }

    /**
     * A view of the state captured by {@link #snapshot()} on the apply thread (hashicorp/raft's
     * {@code FSMSnapshot}): written once by {@link #writeTo} on a background thread, then closed; closed without
     * being written when the snapshot is abandoned (a newer one overtook it, the disk failed). Close releases what
     * the view holds (a reference count, a read transaction, a copy-on-write generation).
     */
    @FunctionalInterface
    interface Snapshot extends AutoCloseable {
        /** Writes the captured state to {@code out} (buffered by the caller); may block on I/O. */
        void writeTo(OutputStream out) throws IOException;

        /** Releases the view; called once, whether or not it was written. Default: nothing to release. */
        @Override
        default void close() {
        }
    }
}
