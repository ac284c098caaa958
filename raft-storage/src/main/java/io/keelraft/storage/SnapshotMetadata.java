package io.keelraft.storage;

import java.util.Arrays;

/**
 * What a snapshot covers: the last log entry it includes and the configuration in force at that entry
 * (thesis §5.1, InstallSnapshot's lastIncludedIndex, lastIncludedTerm and lastConfig).
 *
 * @param lastIncludedIndex index of the last entry the snapshot covers
 * @param lastIncludedTerm  term of that entry
 * @param configuration     the cluster configuration as of that entry, encoded as the log encodes it
 */
public record SnapshotMetadata(long lastIncludedIndex, long lastIncludedTerm, byte[] configuration) {

    public SnapshotMetadata {
        if (lastIncludedIndex < 0 || lastIncludedTerm < 0) {
            throw new IllegalArgumentException("negative index or term: " + lastIncludedIndex + ", " + lastIncludedTerm);
        }
        configuration = configuration == null ? new byte[0] : configuration;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SnapshotMetadata m && m.lastIncludedIndex == lastIncludedIndex
                && m.lastIncludedTerm == lastIncludedTerm && Arrays.equals(m.configuration, configuration);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(lastIncludedIndex) * 31 + Long.hashCode(lastIncludedTerm);
    }

    @Override
    public String toString() {
        return "SnapshotMetadata{" + lastIncludedIndex + "@" + lastIncludedTerm + ", configuration "
                + configuration.length + "B}";
    }
}
