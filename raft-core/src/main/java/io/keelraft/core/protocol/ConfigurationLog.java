package io.keelraft.core.protocol;

import io.keelraft.core.ClusterConfiguration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The configurations found in the log, by index. The latest one is in force whether or not it is committed
 * (thesis §4.1); when a leader truncates a follower's log, configurations in the removed suffix are undone.
 * Configurations at or below commitIndex are pruned except the latest of them.
 */
final class ConfigurationLog {

    private final TreeMap<Long, ClusterConfiguration> byIndex = new TreeMap<>();
    /** Cache of {@link #knownServers()}: every inbound message is checked against it. */
    private Set<String> knownServers;

    ConfigurationLog(long baseIndex, ClusterConfiguration base) {
        byIndex.put(baseIndex, base);
    }

    /** A snapshot replaced the log: its configuration, at its index, is the only one left. */
    void reset(long index, ClusterConfiguration configuration) {
        byIndex.clear();
        byIndex.put(index, configuration);
        knownServers = null;
    }

    /** The configuration in force: the latest in the log. */
    ClusterConfiguration active() {
        return byIndex.lastEntry().getValue();
    }

    /** The log index of the configuration in force (the snapshot or log base for the bootstrap one). */
    long activeIndex() {
        return byIndex.lastKey();
    }

    /** Records the configurations among appended entries. */
    void appended(List<LogEntry> entries) {
        for (LogEntry e : entries) {
            if (e.type() == EntryType.CONFIGURATION) {
                byIndex.put(e.index(), ClusterConfiguration.decode(e.payload()));
                knownServers = null;
            }
        }
    }

    /** Forgets configurations at {@code fromIndex} and after (a leader replaced that suffix of the log). */
    void truncatedFrom(long fromIndex) {
        Map<Long, ClusterConfiguration> removed = byIndex.tailMap(fromIndex, true);
        if (removed.size() == byIndex.size()) {
            throw new IllegalStateException("truncation at " + fromIndex + " would remove every configuration");
        }
        removed.clear();
        knownServers = null;
    }

    /**
     * Drops configurations older than the latest committed one; they can never be in force again. Returns true
     * when any was dropped (so {@link #knownServers()} may have shrunk).
     */
    boolean committed(long commitIndex) {
        Long latestCommitted = byIndex.floorKey(commitIndex);
        if (latestCommitted != null) {
            Map<Long, ClusterConfiguration> superseded = byIndex.headMap(latestCommitted, false);
            if (!superseded.isEmpty()) {
                superseded.clear();
                knownServers = null;
                return true;
            }
        }
        return false;
    }

    /**
     * True when {@code id} votes in some configuration still in the log: the one in force, or an earlier one
     * not yet superseded by a committed configuration. Such a server may be needed to decide an election —
     * a leader that appended C_new without itself and lost leadership before C_new committed is still a voter
     * of the committed C_old,new — so it may campaign.
     */
    boolean isVoterInAny(String id) {
        for (ClusterConfiguration c : byIndex.values()) {
            if (c.isVoter(id)) {
                return true;
            }
        }
        return false;
    }

    /** Every server named by any configuration still in the log: the servers that may talk to this one. */
    Set<String> knownServers() {
        if (knownServers == null) {
            Set<String> all = new LinkedHashSet<>();
            for (ClusterConfiguration c : byIndex.values()) {
                all.addAll(c.members());
            }
            knownServers = Collections.unmodifiableSet(all);
        }
        return knownServers;
    }
}
