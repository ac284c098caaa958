package io.keelraft.core.runtime;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.EntryType;
import io.keelraft.core.protocol.HardState;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.spi.DurabilityListener;
import io.keelraft.core.spi.LogStore;
import io.keelraft.core.spi.MetaStore;
import io.keelraft.core.StorageException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Disaster recovery, off by default and dangerous: after the permanent loss of a majority, no configuration change
 * can commit (thesis §4.2.3 discusses this case), and since the member list no longer bootstraps anything twice
 * ({@link StoredIdentity}), an operator needs an explicit way out — like etcd's {@code --force-new-cluster} or
 * hashicorp's {@code RecoverCluster}. This appends a configuration entry naming the given voters to this server's
 * own log, in a term above any it has seen, before the server starts; the latest configuration in a log is the one
 * in force (§4.1), so the survivors it names can elect a leader among themselves.
 *
 * <p>Why it is dangerous: entries acknowledged by the lost servers but not held here are lost, and if a lost server
 * comes back with its old log it forms a rival majority of the old configuration. Start every survivor named in the
 * new configuration with the same list, once, and wipe any server that returns before it rejoins.
 */
final class ForcedConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(ForcedConfiguration.class);

    private ForcedConfiguration() {
    }

    /**
     * Appends {@code forced} to {@code log} in a new term and makes it and the term durable.
     *
     * @return the hard state to start with
     * @throws IllegalStateException when {@code forced} does not name this server as a voter
     */
    static HardState apply(String id, ClusterConfiguration forced, LogStore log, MetaStore meta, HardState hardState) {
        if (!forced.voters().contains(id)) {
            throw new IllegalStateException("server " + id + ": a forced configuration must name this server as a "
                    + "voter, got " + forced.voters());
        }
        long last = log.lastIndex();
        long lastTerm = last == log.snapshotIndex() ? log.snapshotTerm() : log.term(last);
        long term = Math.max(hardState.currentTerm(), lastTerm) + 1;
        HardState next = new HardState(term, null);
        meta.save(next);
        CompletableFuture<Void> durable = new CompletableFuture<>();
        log.setDurabilityListener(new DurabilityListener() {
            @Override
            public void durable(long index, long t) {
                if (index >= last + 1) {
                    durable.complete(null);
                }
            }

            @Override
            public void failed(StorageException cause) {
                durable.completeExceptionally(cause);
            }
        });
        log.append(List.of(new LogEntry(last + 1, term, EntryType.CONFIGURATION, forced.encode())));
        try {
            durable.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new StorageException("server " + id + ": could not write the forced configuration: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while writing the forced configuration", e);
        }
        LOG.warn("{}: FORCED a new configuration {} at index {} in term {} (disaster recovery). Entries held only by "
                + "servers outside it may be lost; wipe any server of the old configuration before it rejoins",
                id, forced, last + 1, term);
        return next;
    }
}
