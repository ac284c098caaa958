package io.keelraft.testkit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one simulation per seed over a range of seeds, on several threads (runs share nothing), and stops
 * drawing new seeds at the first failure. Seeds are handed out in increasing order, so when several runs fail
 * the one reported is the failure with the lowest seed.
 */
public final class SeedSweep {

    /**
     * The outcome of a sweep.
     *
     * @param results    the passing runs, by seed
     * @param failure    the failure with the lowest seed, or null when every run passed
     * @param wallMillis real time the sweep took
     */
    public record Outcome(List<SimulationResult> results, SimulationFailure failure, long wallMillis) {

        /** Mean leader changes per passing run. */
        public double meanLeaderChanges() {
            return results.stream().mapToInt(SimulationResult::leaderChanges).average().orElse(0);
        }

        /** Fewest leader changes in any passing run. */
        public int minLeaderChanges() {
            return results.stream().mapToInt(SimulationResult::leaderChanges).min().orElse(0);
        }

        /** Events executed over all passing runs. */
        public long events() {
            return results.stream().mapToLong(SimulationResult::events).sum();
        }

        /** Malformed messages the protocol dropped over all passing runs. */
        public long malformedDropped() {
            return results.stream().mapToLong(SimulationResult::malformedDropped).sum();
        }

        /** One line for logs. */
        public String summary() {
            return results.size() + " runs passed" + (failure == null ? "" : ", seed " + failure.seed() + " failed")
                    + " in " + wallMillis + " ms; leader changes mean " + String.format("%.2f", meanLeaderChanges())
                    + " (min " + minLeaderChanges() + "); " + events() + " events; "
                    + results.stream().mapToLong(SimulationResult::committedIndex).sum() + " entries committed; "
                    + results.stream().mapToLong(SimulationResult::crashes).sum() + " crashes; "
                    + results.stream().mapToLong(SimulationResult::readsServed).sum() + " reads served; snapshots "
                    + results.stream().mapToLong(SimulationResult::snapshotsTaken).sum() + " taken, "
                    + results.stream().mapToLong(SimulationResult::snapshotsSent).sum() + " sent, "
                    + results.stream().mapToLong(SimulationResult::snapshotsInstalled).sum() + " installed ("
                    + results.stream().filter(r -> r.snapshotsInstalled() > 0).count() + " runs), "
                    + results.stream().mapToLong(SimulationResult::compactions).sum() + " compactions; membership "
                    + results.stream().mapToLong(SimulationResult::membershipChanges).sum() + " changes ("
                    + results.stream().mapToLong(SimulationResult::leaderRemovals).sum() + " removing the leader, "
                    + results.stream().mapToLong(SimulationResult::membershipRefused).sum() + " refused), "
                    + results.stream().mapToLong(SimulationResult::transfers).sum() + " transfers ("
                    + results.stream().mapToLong(SimulationResult::transfersWon).sum() + " won)";
        }
    }

    private SeedSweep() {
    }

    /**
     * Runs seeds {@code baseSeed} to {@code baseSeed + seeds - 1} with {@code options} (whose own seed is
     * ignored) on {@code threads} threads.
     */
    public static Outcome run(SimulationOptions options, long baseSeed, int seeds, int threads) {
        Objects.requireNonNull(options, "options");
        if (seeds < 0 || threads < 1) {
            throw new IllegalArgumentException("seeds must be >= 0 and threads >= 1, were " + seeds + ", " + threads);
        }
        long started = System.nanoTime();
        AtomicLong next = new AtomicLong(baseSeed);
        AtomicBoolean failed = new AtomicBoolean();
        List<SimulationResult> results = new ArrayList<>();
        List<SimulationFailure> failures = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int t = 0; t < threads; t++) {
                pool.execute(() -> {
                    while (!failed.get()) {
                        long seed = next.getAndIncrement();
                        if (seed >= baseSeed + seeds) {
                            return;
                        }
                        try {
                            SimulationResult r = new Simulation(options.withSeed(seed)).run();
                            synchronized (results) {
                                results.add(r);
                            }
                        } catch (SimulationFailure f) {
                            failed.set(true);
                            synchronized (failures) {
                                failures.add(f);
                            }
                        }
                    }
                });
            }
            pool.shutdown();
            if (!pool.awaitTermination(1, TimeUnit.DAYS)) {
                throw new IllegalStateException("sweep did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            pool.shutdownNow();
        }
        results.sort(Comparator.comparingLong(SimulationResult::seed));
        SimulationFailure first = failures.stream().min(Comparator.comparingLong(SimulationFailure::seed)).orElse(null);
        return new Outcome(List.copyOf(results), first, (System.nanoTime() - started) / 1_000_000);
    }
}
