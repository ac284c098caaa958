package io.keelraft.core.spi;

import io.keelraft.core.protocol.HardState;

/**
 * Durable (currentTerm, votedFor) — paper Figure 2's persistent state besides the log. Replaced atomically,
 * so a crash leaves either the old or the new value, never a torn one.
 */
public interface MetaStore extends AutoCloseable {

    /** The last saved state, or {@link HardState#INITIAL} for a new server. */
    HardState load();

    /**
     * Saves {@code state} and returns once it is durable. Blocking: call it from an I/O thread, never from
     * the raft loop.
     *
     * @throws StorageException when it could not be made durable
     */
    void save(HardState state);

    @Override
    void close();
}
