package io.keelraft.faults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * A server whose clock runs at another rate than the others', with Debian's libfaketime ({@code apt-get install
 * faketime}): the server is restarted with the library preloaded and {@code FAKETIME="+0 x<rate>"}, so each of its
 * seconds lasts {@code 1/rate} real seconds — its election timeout, heartbeat interval and leader lease with them.
 * Healing restarts it with a normal clock.
 *
 * <p>The monotonic clock must be skewed too: Java's {@code System.nanoTime} and every timed wait (the Raft tick, the
 * scheduler's delays) read {@code CLOCK_MONOTONIC}, and a skew of the wall clock alone would change nothing Raft
 * measures. libfaketime fakes it unless {@code FAKETIME_DONT_FAKE_MONOTONIC=1}; we set it to 0 to say so. Checked
 * with a JVM under {@code x2} and {@code x0.5} ({@code ClockSkewIT}): its nanoTime advances 2× and 0.5× as fast as
 * real time, and its scheduled tasks fire at its own clock's times (libfaketime 0.9.10, glibc 2.36, JDK 17).
 */
final class ClockSkew {

    /** Where Debian and a source install put the thread-safe variant (the JVM is multithreaded). */
    private static final List<String> LIBRARIES = List.of(
            "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
            "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
            "/usr/lib/faketime/libfaketimeMT.so.1",
            "/usr/local/lib/faketime/libfaketimeMT.so.1");
    /**
     * The rates a step picks from: both ways of the ±10% the lease read assumes (thesis §6.4.1; {@code ReadMode}),
     * and well beyond it. ReadIndex reads and the log must stay correct under any of them.
     */
    static final double[] RATES = {0.5, 0.6, 0.8, 1.25, 1.5, 2.0};

    private ClockSkew() {
    }

    /** libfaketime's path, if installed. */
    static Optional<Path> library() {
        return LIBRARIES.stream().map(Path::of).filter(Files::isRegularFile).findFirst();
    }

    /** Why there can be no clock fault here, or null when there can. */
    static String unavailable() {
        return library().isPresent() ? null : "libfaketime is not installed (apt-get install -y faketime)";
    }

    /** The environment that runs a process with its clocks, monotonic included, at {@code rate} × real time. */
    static Map<String, String> env(double rate) {
        Path lib = library().orElseThrow(() -> new IllegalStateException(unavailable()));
        return Map.of("LD_PRELOAD", lib.toString(),
                "FAKETIME", String.format(Locale.ROOT, "+0 x%s", rate),
                "FAKETIME_DONT_FAKE_MONOTONIC", "0");
    }

    /**
     * Overrides {@link #RATES}, e.g. {@code -Dkeel.faults.clockRates=0.85,0.9} to find the rate at which lease
     * reads break.
     */
    static final String RATES_PROPERTY = "keel.faults.clockRates";

    /** A rate from {@link #RATES}, or from {@code -Dkeel.faults.clockRates}. */
    static double pickRate(Random random) {
        String override = System.getProperty(RATES_PROPERTY, "").strip();
        double[] rates = override.isEmpty() ? RATES
                : Arrays.stream(override.split(",")).mapToDouble(r -> Double.parseDouble(r.strip())).toArray();
        return rates[random.nextInt(rates.length)];
    }

    /**
     * Restarts {@code target} (kill -9, then on its data directory) with its clock at {@code rate}, and returns
     * what heals it: another kill -9 and a restart with the normal clock.
     */
    static Runnable inject(KvCluster cluster, FaultLog log, FaultStep step, String target, double rate) {
        KvCluster.Node n = cluster.node(target);
        log.note(step + ": kill -9 " + target + " (" + n.process + ") to restart it with its clock at x" + rate);
        n.process.kill9();
        try {
            cluster.restart(target, env(rate));
        } catch (RuntimeException e) {
            n.env = Map.of(); // so that the final healing restarts it with a normal clock
            throw e;
        }
        log.note(step + ": " + target + " runs with its clock at x" + rate + " (" + n.process + ")");
        return () -> {
            log.note(step + ": kill -9 " + target + " (" + n.process + ") to restart it with a normal clock");
            if (n.process != null) {
                n.process.kill9();
            }
            cluster.restart(target, Map.of());
            log.note(step + ": " + target + " runs with a normal clock (" + n.process + ")");
        };
    }
}
