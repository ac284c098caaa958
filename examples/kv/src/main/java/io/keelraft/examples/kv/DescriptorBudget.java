package io.keelraft.examples.kv;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * How many client connections fit the process's file-descriptor limit ({@code RLIMIT_NOFILE}, {@code ulimit -n}),
 * as Redis checks {@code maxclients} at start: the limit, less the descriptors open once the Raft node has started
 * (the JVM's own, the log's segments, the listening sockets), less {@link #RESERVED} for what the server may open
 * later — new log segments (two descriptors each), snapshots being written, sent and received, connections to and
 * from peers, and slack for the JVM.
 */
final class DescriptorBudget {

    /** Descriptors kept free for the server itself, past those open at start. */
    static final int RESERVED = 256;

    private DescriptorBudget() {
    }

    /** The limit and the count open now, or null where the JVM does not tell (not a Unix). */
    record Descriptors(long max, long open) {
    }

    static Descriptors ofThisProcess() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof UnixOperatingSystemMXBean unix) {
            return new Descriptors(unix.getMaxFileDescriptorCount(), unix.getOpenFileDescriptorCount());
        }
        return null;
    }

    /**
     * The number of clients to allow: {@code requested}, or fewer when the descriptors do not fit (at most 0 when
     * none fit); {@code requested} when the descriptors are unknown.
     */
    static int clientsThatFit(int requested, Descriptors descriptors) {
        if (descriptors == null) {
            return requested;
        }
        long room = descriptors.max() - descriptors.open() - RESERVED;
        return (int) Math.max(0, Math.min(requested, room));
    }
}
