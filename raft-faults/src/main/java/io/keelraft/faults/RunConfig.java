package io.keelraft.faults;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * What one run does.
 *
 * @param run       the run's number in a suite (names its iptables chain)
 * @param nodes     cluster size: 3 or 5
 * @param seconds   how long the workload and the faults last
 * @param seed      the schedule's seed (and the clients')
 * @param mix       which faults ({@link FaultKind#parseMix})
 * @param clients   concurrent clients
 * @param keys      how many keys they share
 * @param jar       keel-kv.jar
 * @param baseDir   under which the run's folder is made
 * @param longHolds whether {@code all} and {@code partitions} include the long holds (30-300 s partitions)
 * @param maxRecovery the run fails if the recovery after some heal takes longer (writes through every server, one
 *                  leader agreed on); null: measured and reported only
 */
public record RunConfig(int run, int nodes, long seconds, long seed, String mix, int clients, int keys, Path jar,
                        Path baseDir, boolean longHolds, Duration maxRecovery) {

    /** Short holds only, and no bound on the recovery after each heal. */
    public RunConfig(int run, int nodes, long seconds, long seed, String mix, int clients, int keys, Path jar,
                     Path baseDir) {
        this(run, nodes, seconds, seed, mix, clients, keys, jar, baseDir, false, null);
    }

    public RunConfig {
        if (nodes < 3) {
            throw new IllegalArgumentException("a run needs at least 3 nodes: " + nodes);
        }
        if (clients < 1 || keys < 1 || seconds < 1) {
            throw new IllegalArgumentException("clients, keys and seconds must be positive");
        }
        FaultKind.parseMix(mix);
    }

    public Set<FaultKind> kinds() {
        return FaultKind.parseMix(mix, longHolds);
    }

    @Override
    public String toString() {
        return nodes + " nodes, " + seconds + " s, mix " + mix + (longHolds ? " with long holds" : "") + ", seed "
                + seed + ", " + clients + " clients on " + keys + " keys, recovery after each heal "
                + (maxRecovery == null ? "measured (no bound)" : "bounded by " + maxRecovery.toMillis() / 1000.0 + " s");
    }
}
