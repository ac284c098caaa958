package io.keelraft.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The recovery after every heal, not only after the final one (issue 16): from the moment a fault ends (a
 * partition healed, a node resumed or restarted) until every server of the initial configuration has taken a
 * write again, and until they all name one leader that says it leads. The {@link RecoveryProbe} reports writes and
 * agreements; the nemesis reports heals and the next injection, which ends a measurement not yet complete (it is
 * then "cut short", a lower bound). Faults never overlap, so one measurement is open at a time.
 */
final class HealRecoveries {

    /**
     * One heal's recovery.
     *
     * @param writesNanos time until every server took a write; -1 if some had not when it was cut short
     * @param leaderNanos time until every server named one leader; -1 if they had not when it was cut short
     * @param waitedNanos the longer of the two, or for a sample cut short the time it was cut
     * @param lastWriter  the server that took its write last, or those still missing one when cut short
     * @param cutShort    the next fault (or the end of the run) came before the recovery
     */
    record Sample(FaultStep step, long writesNanos, long leaderNanos, long waitedNanos, String lastWriter,
                  boolean cutShort) {
    }

    private final FaultLog log;
    private final RunClock clock;
    private final List<Sample> samples = new ArrayList<>();
    private FaultStep step;
    private long healedAt;
    private Set<String> waitingFor;
    private String lastWriter;
    private long writesAt = -1;
    private long leaderAt = -1;

    HealRecoveries(FaultLog log, RunClock clock) {
        this.log = log;
        this.clock = clock;
    }

    /** {@code step} has just been healed; {@code nodes} are the servers that must take a write. */
    synchronized void healed(FaultStep step, List<String> nodes) {
        close("the next heal");
        this.step = step;
        this.healedAt = clock.nanos();
        this.waitingFor = new LinkedHashSet<>(nodes);
        this.lastWriter = null;
        this.writesAt = -1;
        this.leaderAt = -1;
    }

    /** The next fault is about to start: a recovery still open is cut short. */
    synchronized void injecting(FaultStep next) {
        close("the next fault (" + next.kind() + ")");
    }

    /** The run ends: a recovery still open is cut short. */
    synchronized void end() {
        close("the end of the run");
    }

    /** {@code node} answered OK to a write at {@code doneNanos}. */
    synchronized void wrote(String node, long doneNanos) {
        if (step == null || doneNanos < healedAt || !waitingFor.remove(node)) {
            return;
        }
        if (waitingFor.isEmpty()) {
            writesAt = doneNanos;
            lastWriter = node;
            completeIfDone();
        }
    }

    /** Every server named the same leader, which said it leads, in answers that started at {@code askedNanos}. */
    synchronized void leaderAgreed(long askedNanos) {
        if (step == null || askedNanos < healedAt || leaderAt >= 0) {
            return;
        }
        leaderAt = clock.nanos();
        completeIfDone();
    }

    private void completeIfDone() {
        if (writesAt < 0 || leaderAt < 0) {
            return;
        }
        Sample s = new Sample(step, writesAt - healedAt, leaderAt - healedAt,
                Math.max(writesAt, leaderAt) - healedAt, lastWriter, false);
        samples.add(s);
        log.note(step + ": recovered after the heal: every server took a write after " + seconds(s.writesNanos())
                + " (" + lastWriter + " last), one leader after " + seconds(s.leaderNanos()));
        step = null;
    }

    private void close(String by) {
        if (step == null) {
            return;
        }
        long now = clock.nanos();
        Sample s = new Sample(step, writesAt >= 0 ? writesAt - healedAt : -1, leaderAt >= 0 ? leaderAt - healedAt : -1,
                now - healedAt, writesAt >= 0 ? lastWriter : String.join(",", waitingFor), true);
        samples.add(s);
        log.note(step + ": NOT recovered " + seconds(now - healedAt) + " after the heal when " + by + " came: "
                + (writesAt >= 0 ? "every server took a write after " + seconds(s.writesNanos())
                : "no write yet through " + waitingFor) + ", "
                + (leaderAt >= 0 ? "one leader after " + seconds(s.leaderNanos()) : "no agreed leader yet"));
        step = null;
    }

    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    /**
     * The samples whose wait is above {@code bound}: complete ones that took longer, and cut-short ones that had
     * waited longer without recovering (one cut short earlier proves nothing either way).
     */
    synchronized List<Sample> above(Duration bound) {
        return samples.stream().filter(s -> s.waitedNanos() > bound.toNanos()).toList();
    }

    /**
     * Per fault kind: how many heals were measured, and the median and worst time until every server took a
     * write and until one leader; cut-short ones are counted apart, with the longest time they had waited.
     */
    synchronized String summary() {
        Map<FaultKind, List<Sample>> byKind = new EnumMap<>(FaultKind.class);
        for (Sample s : samples) {
            byKind.computeIfAbsent(s.step().kind(), k -> new ArrayList<>()).add(s);
        }
        Map<String, String> lines = new LinkedHashMap<>();
        for (Map.Entry<FaultKind, List<Sample>> e : byKind.entrySet()) {
            List<Long> writes = new ArrayList<>();
            List<Long> leaders = new ArrayList<>();
            Sample worst = null;
            int cut = 0;
            long longestCut = 0;
            for (Sample s : e.getValue()) {
                if (s.cutShort()) {
                    cut++;
                    longestCut = Math.max(longestCut, s.waitedNanos());
                    continue;
                }
                writes.add(s.writesNanos());
                leaders.add(s.leaderNanos());
                if (worst == null || s.waitedNanos() > worst.waitedNanos()) {
                    worst = s;
                }
            }
            StringBuilder line = new StringBuilder().append(writes.size()).append(" measured");
            if (!writes.isEmpty()) {
                line.append(": writes on every server median ").append(seconds(median(writes))).append(" worst ")
                        .append(seconds(max(writes))).append("; one leader median ").append(seconds(median(leaders)))
                        .append(" worst ").append(seconds(max(leaders))).append(" (worst: #")
                        .append(worst.step().index()).append(')');
            }
            if (cut > 0) {
                line.append("; ").append(cut).append(" cut short by the next fault before recovering (longest wait ")
                        .append(seconds(longestCut)).append(')');
            }
            lines.put(e.getKey().name(), line.toString());
        }
        StringBuilder s = new StringBuilder();
        lines.forEach((kind, line) -> s.append("    ").append(kind).append(": ").append(line).append('\n'));
        return s.toString();
    }

    /** The worst wait of any completed recovery, if any. */
    synchronized Optional<Sample> worst() {
        return samples.stream().filter(s -> !s.cutShort())
                .max((a, b) -> Long.compare(a.waitedNanos(), b.waitedNanos()));
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static long max(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    static String seconds(long nanos) {
        return String.format("%.2f s", nanos / 1e9);
    }
}
