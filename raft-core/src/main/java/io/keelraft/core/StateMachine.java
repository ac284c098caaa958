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

    /** Writes the whole state to {@code out} (log compaction, thesis chapter 5). Called on the apply thread. */
    void writeSnapshot(OutputStream out) throws IOException;

    /** Replaces the whole state with one written by {@link #writeSnapshot}. Called on the apply thread. */
    void restoreSnapshot(InputStream in) throws IOException;

    /** Told when this server learns of a new leader ({@code leaderId} null: none known). Default: ignored. */
    default void onLeaderChange(String leaderId, long term) {
    }
}
