package io.keelraft.core.spi;

import io.keelraft.core.StorageCorruptedException;
import io.keelraft.core.StorageException;
import io.keelraft.core.protocol.HardState;
import java.util.Optional;

/**
 * Durable (currentTerm, votedFor) — paper Figure 2's persistent state besides the log — and the directory's
 * {@link ServerIdentity}. Each is replaced atomically, so a crash leaves either the old or the new value, never
 * a torn one.
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

    /**
     * The identity saved by {@link #saveIdentity}, or empty for a directory that never had one (a new server, or
     * one written by a Keel version that did not record it).
     *
     * @throws StorageCorruptedException when the stored identity is damaged
     */
    Optional<ServerIdentity> loadIdentity();

    /**
     * Saves {@code identity} and returns once it is durable. Blocking, like {@link #save}.
     *
     * @throws StorageException when it could not be made durable
     */
    void saveIdentity(ServerIdentity identity);

    @Override
    void close();
}
