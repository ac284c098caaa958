package io.keelraft.faults;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Every fault the nemesis can inject, with how long it lasts (drawn from the seed within these bounds) and the
 * family the {@code --mix} option names it by.
 */
public enum FaultKind {
    /** kill -9 of a random node, restarted on its data directory after the duration. */
    KILL_NODE("kill", 2_000, 6_000),
    /** kill -9 of the leader, restarted on its data directory after the duration. */
    KILL_LEADER("kill", 2_000, 6_000),
    /** SIGSTOP of a random node for longer than the election timeout, then SIGCONT. */
    PAUSE_NODE("pause", 3_000, 6_000),
    /** SIGSTOP of the leader for longer than the election timeout, then SIGCONT. */
    PAUSE_LEADER("pause", 3_000, 6_000),
    /** A majority and a minority that cannot reach each other. */
    PARTITION_MAJORITY("partition", 3_000, 7_000),
    /** Two halves that cannot reach each other, and one node that reaches both. */
    PARTITION_BRIDGE("partition", 3_000, 7_000),
    /** One node's packets to all others are dropped; theirs still reach it. */
    PARTITION_ONE_WAY("partition", 3_000, 7_000),
    /** The leader cannot reach anyone, nor anyone it. */
    ISOLATE_LEADER("partition", 3_000, 7_000),
    /** RAFT.TRANSFER from the leader to a random other voter: instantaneous. */
    TRANSFER_LEADER("transfer", 0, 0),
    /** A new empty server joins (--join, RAFT.ADD) and is removed again (RAFT.REMOVE) after the duration. */
    MEMBERSHIP("membership", 4_000, 8_000),
    /**
     * The leader removes itself (RAFT.REMOVE, so it hands over as it leaves), its process is stopped and its data
     * deleted; after the duration it starts again empty with --join under the same id and is added back.
     */
    REPLACE_LEADER("membership", 4_000, 8_000),
    /** One node's data directory (a small tmpfs) is filled up, then freed after the duration. */
    DISK_FULL("disk", 3_000, 7_000);

    private final String family;
    private final long minMillis;
    private final long maxMillis;

    FaultKind(String family, long minMillis, long maxMillis) {
        this.family = family;
        this.minMillis = minMillis;
        this.maxMillis = maxMillis;
    }

    public String family() {
        return family;
    }

    long minMillis() {
        return minMillis;
    }

    long maxMillis() {
        return maxMillis;
    }

    /** Whether the fault needs iptables. */
    public boolean needsIptables() {
        return family.equals("partition");
    }

    /**
     * The kinds a mix names: {@code all}; {@code kills} (kill, pause, disk); {@code partitions} (partition,
     * membership, transfer); or a comma-separated list of families ({@code kill,pause}) and kind names
     * ({@code kill_leader}).
     */
    public static Set<FaultKind> parseMix(String mix) {
        Set<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
        for (String part : mix.toLowerCase(Locale.ROOT).split(",")) {
            String p = part.strip();
            switch (p) {
                case "all" -> kinds.addAll(EnumSet.allOf(FaultKind.class));
                case "kills" -> kinds.addAll(family("kill", "pause", "disk"));
                case "partitions" -> kinds.addAll(family("partition", "membership", "transfer"));
                case "none", "" -> { }
                default -> {
                    Set<FaultKind> f = family(p);
                    if (f.isEmpty()) {
                        try {
                            f = EnumSet.of(FaultKind.valueOf(p.toUpperCase(Locale.ROOT)));
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("unknown fault mix '" + p + "': expected all, kills, "
                                    + "partitions, a family (kill, pause, partition, transfer, membership, disk) or "
                                    + "one of " + Arrays.toString(values()));
                        }
                    }
                    kinds.addAll(f);
                }
            }
        }
        return kinds;
    }

    private static Set<FaultKind> family(String... families) {
        Set<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
        for (FaultKind k : values()) {
            if (Arrays.asList(families).contains(k.family)) {
                kinds.add(k);
            }
        }
        return kinds;
    }
}
