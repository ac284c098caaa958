package io.keelraft.faults;

/**
 * The one clock of a run: monotonic nanoseconds since the workload started, shared by the history, the fault log
 * and the final checks, so their times compare.
 */
public final class RunClock {

    private final long origin = System.nanoTime();

    /** Nanoseconds since this clock was made. */
    public long nanos() {
        return System.nanoTime() - origin;
    }

    /** {@code +12.345s}: the current time, for log lines. */
    public String stamp() {
        return format(nanos());
    }

    /** {@code +12.345s} for a time of this clock. */
    public static String format(long nanos) {
        return String.format("+%.3fs", nanos / 1e9);
    }
}
