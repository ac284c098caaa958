package io.keelraft.core.spi;

import io.keelraft.core.StorageException;

/** Told by a {@link LogStore}'s writer thread what has become durable. Implementations must not block. */
public interface DurabilityListener {

    /** Every entry through {@code index} is durable; the entry at {@code index} has {@code term}. */
    void durable(long index, long term);

    /**
     * Appends queued before this call could not be made durable. None of them is reported durable later
     * unless written again after the store recovers.
     */
    void failed(StorageException cause);
}
