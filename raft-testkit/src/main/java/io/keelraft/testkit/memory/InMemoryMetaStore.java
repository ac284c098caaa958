package io.keelraft.testkit.memory;

import io.keelraft.core.protocol.HardState;
import io.keelraft.core.spi.MetaStore;
import io.keelraft.core.spi.ServerIdentity;
import java.util.Optional;

/** A {@link MetaStore} in memory, for tests; the values survive {@link #close()}. */
public final class InMemoryMetaStore implements MetaStore {

    private volatile HardState state = HardState.INITIAL;
    private volatile ServerIdentity identity;

    @Override
    public HardState load() {
        return state;
    }

    @Override
    public void save(HardState state) {
        this.state = state;
    }

    @Override
    public Optional<ServerIdentity> loadIdentity() {
        return Optional.ofNullable(identity);
    }

    @Override
    public void saveIdentity(ServerIdentity identity) {
        this.identity = identity;
    }

    @Override
    public void close() {
        // Nothing to release: the value stays for a restart.
    }
}
