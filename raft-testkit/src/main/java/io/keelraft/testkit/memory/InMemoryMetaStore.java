package io.keelraft.testkit.memory;

import io.keelraft.core.protocol.HardState;
import io.keelraft.core.spi.MetaStore;
import io.keelraft.core.spi.ServerIdentity;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link MetaStore} in memory, for tests; the values survive {@link #close()}. */
public final class InMemoryMetaStore implements MetaStore {

    private volatile HardState state = HardState.INITIAL;
    private volatile ServerIdentity identity;
    private final List<String> saveThreads = new CopyOnWriteArrayList<>();

    @Override
    public HardState load() {
        return state;
    }

    @Override
    public void save(HardState state) {
        saveThreads.add(Thread.currentThread().getName());
        this.state = state;
    }

    /** The names of the threads that called {@link #save}, in order (a runtime saves term and vote on its log writer). */
    public List<String> saveThreads() {
        return List.copyOf(saveThreads);
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
