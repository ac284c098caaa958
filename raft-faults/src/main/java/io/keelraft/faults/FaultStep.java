package io.keelraft.faults;

import java.util.Random;

/**
 * One timed fault of a {@link FaultSchedule}: injected {@code startMillis} after the workload starts, healed
 * {@code durationMillis} later. {@code pick} seeds every random choice the step makes when it runs (which node,
 * which sides), so a seed reproduces them; which node leads is only known when the step runs.
 *
 * @param index          position in the schedule, from 0
 * @param startMillis    when to inject, from the start of the workload
 * @param durationMillis how long the fault lasts (0 for an instantaneous one)
 * @param kind           what to inject
 * @param pick           the seed of the step's own choices
 */
public record FaultStep(int index, long startMillis, long durationMillis, FaultKind kind, long pick) {

    /** A random source for this step's choices. */
    Random random() {
        return new Random(pick);
    }

    long endMillis() {
        return startMillis + durationMillis;
    }

    @Override
    public String toString() {
        return String.format("#%d at %.1fs %s for %.1fs (pick %d)", index, startMillis / 1000.0, kind,
                durationMillis / 1000.0, pick);
    }
}
