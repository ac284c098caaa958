package io.keelraft.core;

import java.util.Objects;

/**
 * What a snapshot covers (thesis chapter 5): the state machine after applying every entry through
 * {@code index}, whose term is {@code term}, and the cluster configuration in force at that index. The
 * snapshot's bytes are the driver's business; the protocol only reasons about this metadata.
 *
 * @param index         last included index
 * @param term          term of the entry at {@code index}
 * @param configuration the latest configuration at or before {@code index}
 */
public record SnapshotMeta(long index, long term, ClusterConfiguration configuration) {

    public SnapshotMeta {
        if (index <= 0 || term <= 0) {
            throw new IllegalArgumentException("a snapshot covers at least one entry: index " + index + ", term "
                    + term);
        }
        Objects.requireNonNull(configuration, "configuration");
    }
}
