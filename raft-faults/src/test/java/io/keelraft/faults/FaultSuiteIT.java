package io.keelraft.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The fault-injection suite on every {@code mvn verify}: {@code keel.faults.runs} runs (default 3) of
 * {@code keel.faults.seconds} each (default 60), cycling through three set-ups that together cover every fault:
 * 3 nodes with every fault, 5 nodes with partitions, transfers and membership changes, 3 nodes with kills, pauses
 * and a full disk. {@code -Dkeel.faults.seed=S} fixes the first run's seed (run i uses S + i); {@code -Pfaults-long}
 * makes the runs half an hour each, with the long holds ({@code keel.faults.longHolds}); {@code
 * -Dkeel.faults.maxRecovery=S} fails a run whose recovery after some heal took longer than S seconds. A violation fails the run with its seed and the folder holding its history,
 * schedule and node logs.
 */
class FaultSuiteIT {

    /** The set-ups runs cycle through: nodes and fault mix. */
    private static final List<Object[]> SETUPS = List.of(new Object[] {3, "all"}, new Object[] {5, "partitions"},
            new Object[] {3, "kills"});

    static Path jar() {
        Path jar = Path.of(System.getProperty("keel.kv.jar", "../examples/kv/target/keel-kv.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run mvn verify (examples/kv builds it in package)");
        }
        return jar;
    }

    @BeforeAll
    static void needsRootAndIptables() {
        assumeTrue(NetworkFaults.available(), "the fault-injection suite needs root and iptables "
                + "(apt-get install -y iptables); running as " + System.getProperty("user.name"));
    }

    @TestFactory
    Stream<DynamicTest> runsUnderFaultsStayLinearizable() {
        int runs = Integer.getInteger("keel.faults.runs", 3);
        long seconds = Long.getLong("keel.faults.seconds", 60);
        String seedText = System.getProperty("keel.faults.seed", "");
        long seed = seedText.isBlank() ? System.currentTimeMillis() : Long.parseLong(seedText.strip());
        Path base = Path.of(System.getProperty("keel.faults.dir", "target/fault-runs")).toAbsolutePath();
        return IntStream.range(0, runs).mapToObj(i -> {
            Object[] setup = SETUPS.get(i % SETUPS.size());
            RunConfig config = new RunConfig(i, (Integer) setup[0], seconds, seed + i, (String) setup[1], 10, 5, jar(),
                    base, Boolean.getBoolean("keel.faults.longHolds"),
                    FaultSuiteMain.maxRecovery(System.getProperty("keel.faults.maxRecovery", "0")));
            return DynamicTest.dynamicTest("run " + i + ": " + config, () -> {
                RunReport report = new FaultRun(config).run();
                System.out.println(report.summary());
                assertThat(report.problems()).as(report.summary()).isEmpty();
                assertThat(report.operations()).as("operations recorded").isGreaterThan(100);
            });
        });
    }
}
