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
    DISK_FULL("disk", 3_000, 7_000),
    /**
     * A node (the leader half the time) is restarted with its clock running at another rate ({@link ClockSkew}:
     * x0.5 to x2, monotonic clock included), and restarted with a normal clock after the duration.
     */
    CLOCK_SKEW("clock", 8_000, 20_000),
    /**
     * The leader is restarted with a skewed clock, made leader again, and isolated (both ways) for the duration,
     * while clients still reach it ({@link SkewedLeaderIsolation}): where a lease read would go stale.
     */
    CLOCK_SKEW_ISOLATED_LEADER("clock", 3_000, 7_000),
    /*
     * Long holds (issue 16): a partition held long enough for TCP's retransmission backoff to grow to tens of
     * seconds, so that after the heal nothing moves on an established connection until the next retransmission
     * unless the transport notices. Only in long runs (RunConfig#longHolds), with a long quiet time after each
     * so that the recovery after the heal is measured, not cut short by the next fault.
     */
    /** The leader cannot reach anyone, nor anyone it, for 30-300 s. */
    LONG_ISOLATE_LEADER("long-partition", 30_000, 300_000),
    /** A follower cannot reach anyone, nor anyone it, for 30-300 s. */
    LONG_ISOLATE_FOLLOWER("long-partition", 30_000, 300_000),
    /** The leader's packets to one follower are dropped (one way: the follower's still arrive), 30-300 s. */
    LONG_ONE_WAY_TO_FOLLOWER("long-partition", 30_000, 300_000),
    /** A follower's packets to every other node are dropped (one way: theirs still arrive), 30-300 s. */
    LONG_ONE_WAY_FROM_FOLLOWER("long-partition", 30_000, 300_000);

    /** The family of the long holds, left out of {@code all} and {@code partitions} unless a run asks for them. */
    static final String LONG_PARTITION = "long-partition";

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
        return family.equals("partition") || family.equals(LONG_PARTITION) || this == CLOCK_SKEW_ISOLATED_LEADER;
    }

    /** A long hold: its heal is followed by a long quiet time ({@link FaultSchedule}). */
    boolean longHold() {
        return family.equals(LONG_PARTITION);
    }

    /**
     * The kinds a mix names, without long holds unless named: {@code all} (every kind but the long holds);
     * {@code kills} (kill, pause, disk); {@code partitions} (partition, membership, transfer); or a comma-separated
     * list of families ({@code kill,pause}, {@code long-partition}) and kind names ({@code kill_leader}).
     */
    public static Set<FaultKind> parseMix(String mix) {
        return parseMix(mix, false);
    }

    /**
     * The kinds a mix names; with {@code longHolds}, {@code all} and {@code partitions} include the long holds
     * ({@code long-partition}) too.
     */
    public static Set<FaultKind> parseMix(String mix, boolean longHolds) {
        Set<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
        for (String part : mix.toLowerCase(Locale.ROOT).split(",")) {
            String p = part.strip();
            switch (p) {
                case "all" -> {
                    kinds.addAll(EnumSet.allOf(FaultKind.class));
                    if (!longHolds) {
                        kinds.removeAll(family(LONG_PARTITION));
                    }
                }
                case "kills" -> kinds.addAll(family("kill", "pause", "disk"));
                case "partitions" -> {
                    kinds.addAll(family("partition", "membership", "transfer"));
                    if (longHolds) {
                        kinds.addAll(family(LONG_PARTITION));
                    }
                }
                case "none", "" -> { }
                default -> {
                    Set<FaultKind> f = family(p);
                    if (f.isEmpty()) {
                        try {
                            f = EnumSet.of(FaultKind.valueOf(p.toUpperCase(Locale.ROOT)));
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("unknown fault mix '" + p + "': expected all, kills, "
                                    + "partitions, a family (kill, pause, partition, transfer, membership, disk, clock, long-partition) or "
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
