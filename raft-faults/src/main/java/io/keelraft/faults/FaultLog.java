package io.keelraft.faults;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the nemesis did and when (on the run's clock), and how many faults of each kind it injected or skipped. */
public final class FaultLog {

    private static final Logger LOG = LoggerFactory.getLogger(FaultLog.class);

    private final RunClock clock;
    private final List<String> lines = new ArrayList<>();
    private final Map<FaultKind, Integer> injected = new EnumMap<>(FaultKind.class);
    private final Map<FaultKind, Integer> skipped = new EnumMap<>(FaultKind.class);

    public FaultLog(RunClock clock) {
        this.clock = clock;
    }

    /** Notes {@code event} with the current time. */
    public synchronized void note(String event) {
        String line = clock.stamp() + " " + event;
        lines.add(line);
        LOG.info("nemesis {}", line);
    }

    synchronized void injected(FaultKind kind) {
        injected.merge(kind, 1, Integer::sum);
    }

    synchronized void skipped(FaultKind kind, String why) {
        skipped.merge(kind, 1, Integer::sum);
        note(kind + " skipped: " + why);
    }

    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    public synchronized Map<FaultKind, Integer> injected() {
        return copy(injected);
    }

    public synchronized Map<FaultKind, Integer> skipped() {
        return copy(skipped);
    }

    private static Map<FaultKind, Integer> copy(Map<FaultKind, Integer> counts) {
        Map<FaultKind, Integer> copy = new EnumMap<>(FaultKind.class);
        copy.putAll(counts);
        return copy;
    }
}
