package io.keelraft.testkit.memory;

import io.keelraft.core.protocol.HardState;
import io.keelraft.core.spi.MetaStore;

/** A {@link MetaStore} in memory, for tests; the value survives {@link #close()}. */
public final class InMemoryMetaStore implements MetaStore {

    private volatile HardState state = HardState.INITIAL;

    @Override
    public HardState load() {
        return state;
    }

    @Override
    public void save(HardState state) {
        this.state = state;
    }

    @Override
    public void close() {
        // Nothing to release: the value stays for a restart.
    }
}
