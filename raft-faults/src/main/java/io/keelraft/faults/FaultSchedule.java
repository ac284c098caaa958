package io.keelraft.faults;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The faults of one run, from a seed: one at a time, each followed by a quiet gap, from a few seconds after the
 * workload starts until a few seconds before it ends. Kinds are dealt in rounds, each round every kind of the mix
 * once in a random order, so even a short run sees every kind of its mix when it has room for them.
 *
 * @param seed   the seed it was made from: the same seed, length and mix give the same schedule
 * @param millis the length of the workload
 * @param steps  the faults in time order
 */
public record FaultSchedule(long seed, long millis, List<FaultStep> steps) {

    /** No fault in the first seconds of the workload (the cluster serves first). */
    static final long WARMUP_MILLIS = 3_000;
    /** No fault starts or lasts into the last seconds of the workload. */
    static final long TAIL_MILLIS = 3_000;
    static final long MIN_GAP_MILLIS = 1_000;
    static final long MAX_GAP_MILLIS = 3_000;
    /**
     * The quiet time after a long hold: the recovery after its heal is measured until the next fault starts, and
     * an independent run found recoveries of up to 106 s after such heals (issue 16).
     */
    static final long MIN_LONG_GAP_MILLIS = 30_000;
    static final long MAX_LONG_GAP_MILLIS = 60_000;

    public FaultSchedule {
        steps = List.copyOf(steps);
    }

    /**
     * The schedule for {@code seed}, a workload of {@code millis} and the kinds in {@code mix}. A fault whose drawn
     * duration does not fit in the time left is shortened to fit if its kind allows, else left out of that round
     * (a long hold near the end must not end the schedule early); the schedule ends when not even the shortest
     * kind fits.
     */
    public static FaultSchedule generate(long seed, long millis, Set<FaultKind> mix) {
        Random random = new Random(seed);
        List<FaultStep> steps = new ArrayList<>();
        List<FaultKind> round = new ArrayList<>();
        long shortest = mix.stream().mapToLong(FaultKind::minMillis).min().orElse(Long.MAX_VALUE);
        long end = millis - TAIL_MILLIS;
        long t = WARMUP_MILLIS;
        while (!mix.isEmpty() && t + shortest <= end) {
            if (round.isEmpty()) {
                round.addAll(mix.stream().sorted().toList());
                Collections.shuffle(round, random);
            }
            FaultKind kind = round.remove(0);
            long duration = kind.minMillis() + (kind.maxMillis() == kind.minMillis() ? 0
                    : (long) (random.nextDouble() * (kind.maxMillis() - kind.minMillis())));
            if (t + kind.minMillis() > end) {
                continue;
            }
            duration = Math.min(duration, end - t);
            steps.add(new FaultStep(steps.size(), t, duration, kind, random.nextLong()));
            long minGap = kind.longHold() ? MIN_LONG_GAP_MILLIS : MIN_GAP_MILLIS;
            long maxGap = kind.longHold() ? MAX_LONG_GAP_MILLIS : MAX_GAP_MILLIS;
            t += duration + minGap + (long) (random.nextDouble() * (maxGap - minGap));
        }
        return new FaultSchedule(seed, millis, steps);
    }

    /** One line per step. */
    public String describe() {
        return "schedule of seed " + seed + ", " + millis / 1000 + " s, " + steps.size() + " faults\n"
                + steps.stream().map(FaultStep::toString).collect(Collectors.joining("\n")) + "\n";
    }
}
