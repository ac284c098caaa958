package io.keelraft.faults;

import java.nio.file.Path;
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
 */
public record RunConfig(int run, int nodes, long seconds, long seed, String mix, int clients, int keys, Path jar,
                        Path baseDir) {

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
        return FaultKind.parseMix(mix);
    }

    @Override
    public String toString() {
        return nodes + " nodes, " + seconds + " s, mix " + mix + ", seed " + seed + ", " + clients + " clients on "
                + keys + " keys";
    }
}
