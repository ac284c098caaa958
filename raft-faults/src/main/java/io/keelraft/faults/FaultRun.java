package io.keelraft.faults;

import io.keelraft.testkit.linearizability.Operation;
import io.keelraft.testkit.linearizability.Outcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run, start to end: starts the cluster (a tmpfs under one node's data directory if the mix has disk faults,
 * an iptables chain if it has partitions), runs the clients and the nemesis for the configured time, heals
 * everything, runs the {@link FinalChecks}, and cleans up: every server ended by PID, the chain removed, the tmpfs
 * unmounted — in {@code finally}, and in a shutdown hook if the JVM is stopped meanwhile. The run folder
 * ({@code <baseDir>/<seed>-<time>-<mix>}) is deleted when the run passed and kept otherwise (and with
 * {@code -Dkeel.faults.keep=true}).
 */
public final class FaultRun {

    private static final Logger LOG = LoggerFactory.getLogger(FaultRun.class);
    /** A client waits this long for a reply before it records the operation as indeterminate. */
    static final int CLIENT_TIMEOUT_MILLIS = 5_000;
    /** The cluster must serve every member again within this time after healing. */
    static final Duration RECOVERY_BOUND = Duration.ofSeconds(60);
    /** The tmpfs of the disk-fault node: two 64 MiB log segments (one preallocated) and room to spare. */
    static final long DISK_BYTES = 256L << 20;

    /** {@code -Dkeel.faults.keep=true}: keep the run folder (minus data) even when the run passed. */
    static final String KEEP_PROPERTY = "keel.faults.keep";

    private final RunConfig config;

    public FaultRun(RunConfig config) {
        this.config = config;
    }

    /** Runs and reports; a violation is in the report, not thrown. Setup failures are thrown. */
    public RunReport run() {
        Path runDir = config.baseDir().resolve(config.seed() + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                + config.mix().replace(',', '+'));
        boolean iptables = config.kinds().stream().anyMatch(FaultKind::needsIptables);
        try {
            Files.createDirectories(runDir);
            Leftovers.cleanUp(config.baseDir(), NetworkFaults.available());
            Leftovers.recordHarness(runDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LOG.info("run {}: {} in {}", config.run(), config, runDir);
        FaultSchedule schedule = FaultSchedule.generate(config.seed(), config.seconds() * 1000, config.kinds());
        LOG.info("{}", schedule.describe());

        KvCluster cluster = new KvCluster(config.jar(), runDir, config.nodes());
        NetworkFaults network = iptables ? new NetworkFaults(cluster, config.run()) : null;
        DiskFaults disk = null;
        String diskUnavailable = null;
        if (config.kinds().contains(FaultKind.DISK_FULL)) {
            List<KvCluster.Node> nodes = cluster.baseNodes();
            KvCluster.Node target = nodes.get(new Random(config.seed()).nextInt(nodes.size()));
            disk = new DiskFaults(target.dataDir(), DISK_BYTES);
            diskUnavailable = disk.mount();
            if (diskUnavailable != null) {
                LOG.warn("no disk-full faults in this run: {}", diskUnavailable);
            } else {
                LOG.info("{}'s data directory is a {} MiB tmpfs for disk-full faults", target.id(), DISK_BYTES >> 20);
            }
        }
        DiskFaults diskToClose = disk;
        AtomicBoolean cleaned = new AtomicBoolean();
        Runnable cleanup = () -> {
            if (cleaned.compareAndSet(false, true)) {
                cluster.close();
                if (network != null) {
                    network.close();
                }
                if (diskToClose != null) {
                    diskToClose.close();
                }
            }
        };
        Thread hook = new Thread(cleanup, "keel-faults-cleanup-" + config.run());
        Runtime.getRuntime().addShutdownHook(hook);

        List<String> problems = new ArrayList<>();
        FinalChecks.Outcome outcome = null;
        FaultLog faults = null;
        Workload workload = null;
        Nemesis nemesis = null;
        HealRecoveries recoveries = null;
        RecoveryProbe probe = null;
        try {
            if (network != null) {
                network.install();
            }
            cluster.startAll();
            if (!Poll.until(() -> cluster.leader().isPresent(), Duration.ofSeconds(60), Duration.ofMillis(200))) {
                throw new IllegalStateException("no leader within 60 s of starting " + cluster.allNodes());
            }
            // One clock from here on: history, fault log and schedule times line up.
            RunClock clock = new RunClock();
            faults = new FaultLog(clock);
            workload = new Workload(cluster, clock, config.clients(), config.keys(), config.seed(),
                    CLIENT_TIMEOUT_MILLIS);
            faults.note("workload and nemesis start");
            workload.start();
            recoveries = new HealRecoveries(faults, clock);
            probe = new RecoveryProbe(cluster, clock, recoveries, config.seed());
            probe.start();
            nemesis = new Nemesis(cluster, network, disk, diskUnavailable, faults);
            nemesis.measureRecoveries(recoveries);
            nemesis.start(schedule);
            Poll.pause(Duration.ofSeconds(config.seconds()));
            faults.note("workload stops");
            workload.close();
            nemesis.stopAndHeal();
            probe.close();
            recoveries.end();
            problems.addAll(nemesis.unexpectedExits());
            if (config.maxRecovery() != null) {
                for (HealRecoveries.Sample s : recoveries.above(config.maxRecovery())) {
                    problems.add("recovery after " + s.step() + " took " + (s.cutShort() ? "more than " : "")
                            + HealRecoveries.seconds(s.waitedNanos()) + ", above --max-recovery "
                            + config.maxRecovery().toMillis() / 1000.0 + " s (see faults.txt)");
                }
            }
            if (network != null && !network.rules().isEmpty()) {
                problems.add("iptables rules left after healing: " + network.rules());
            }
            outcome = new FinalChecks(cluster, clock, workload.history(), workload.keys(), RECOVERY_BOUND).run();
            problems.addAll(outcome.problems());
            if (workload.unexpectedReplies() > 0) {
                problems.add(workload.unexpectedReplies() + " replies fit no command's protocol (see the logs)");
            }
        } catch (RuntimeException e) {
            LOG.error("run {} failed", config.run(), e);
            problems.add("the run itself failed: " + e);
        } finally {
            if (nemesis != null) {
                nemesis.close();
            }
            if (probe != null) {
                probe.close();
            }
            if (workload != null) {
                workload.close();
            }
            cleanup.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
        List<Operation> ops = workload == null ? List.of() : workload.history().operations();
        RunReport report = new RunReport(config, ops.size(), RunReport.count(ops, Outcome.OK),
                RunReport.count(ops, Outcome.FAIL), RunReport.count(ops, Outcome.UNKNOWN),
                workload == null ? 0 : workload.unexpectedReplies(), faults == null ? Map.of() : faults.injected(),
                faults == null ? Map.of() : faults.skipped(),
                outcome == null ? -1 : outcome.recoveryMillis(), recoveries == null ? "" : recoveries.summary(),
                outcome == null ? 0 : outcome.checkerMillis(),
                outcome == null ? "not run" : outcome.linearizable().describe(), List.copyOf(problems),
                problems.isEmpty() && !Boolean.getBoolean(KEEP_PROPERTY) ? null : runDir);
        if (report.passed() && !Boolean.getBoolean(KEEP_PROPERTY)) {
            KvCluster.deleteTree(runDir);
        } else {
            keep(runDir, report, schedule, faults, workload, outcome);
            if (report.passed()) {
                KvCluster.deleteTree(runDir.resolve("data"));
            }
        }
        return report;
    }

    private static void keep(Path runDir, RunReport report, FaultSchedule schedule, FaultLog faults,
                             Workload workload, FinalChecks.Outcome outcome) {
        try {
            Files.writeString(runDir.resolve("report.txt"), report.summary());
            Files.writeString(runDir.resolve("schedule.txt"), schedule.describe());
            if (faults != null) {
                Files.writeString(runDir.resolve("faults.txt"), String.join("\n", faults.lines()) + "\n");
            }
            if (workload != null) {
                Files.writeString(runDir.resolve("history.txt"), workload.history().operations().stream()
                        .map(op -> op + " node=" + (op.client() >= FinalChecks.FINAL_READER ? "final"
                                : workload.nodeOf(op.id())))
                        .collect(Collectors.joining("\n")) + "\n");
            }
            if (outcome != null) {
                Files.writeString(runDir.resolve("checker.txt"), outcome.linearizable().describe()
                        + "\nfinal values " + outcome.finalValues() + "\nmembers " + outcome.members() + "\n");
            }
        } catch (IOException e) {
            LOG.error("cannot write the files of {}: {}", runDir, e.toString());
        }
    }
}
