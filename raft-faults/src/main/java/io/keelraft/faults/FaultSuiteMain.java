package io.keelraft.faults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Long runs from the command line, e.g. half an hour of every fault on five nodes:
 *
 * <pre>
 * java -jar raft-faults/target/keel-faults.jar \
 *     --seconds 1800 --nodes 5 --mix all --seed 42 --runs 1
 * </pre>
 *
 * (built by {@code mvn -B -ntp -DskipTests -pl raft-faults -am package}). Prints one summary per run; exits with 1 if a
 * run found a violation (its folder is named in the summary), 2 for a bad flag, 3 when not root or without
 * iptables.
 */
public final class FaultSuiteMain {

    static final String USAGE = """
            Usage: FaultSuiteMain [--seconds 60] [--nodes 3] [--mix all] [--seed N] [--runs 1] [--clients 10]
                                  [--keys 5] [--jar examples/kv/target/keel-kv.jar] [--dir raft-faults/target/fault-runs]
                                  [--long-holds false] [--max-recovery 0]
              --mix: all | kills (kill, pause, disk) | partitions (partition, membership, transfer) | a comma-separated
                     list of families (kill, pause, partition, transfer, membership, disk, clock, long-partition) or
                     kinds (kill_leader, clock_skew, long_isolate_leader, ...)
              --long-holds true: all and partitions include the long holds, partitions of 30-300 s (one-way and
                     two-way, of the leader or a follower), each followed by 30-60 s of quiet (for long runs)
              --max-recovery S: fail the run if, after some heal, a server takes no write or the servers name no
                     one leader for more than S seconds (0: off; the recovery after each heal is reported anyway)
              --seed: the first run's seed (default: time-based); run i uses seed + i
              --keep true: keep each run's folder (history, schedule, fault log, node logs) even when it passed
            Needs root (iptables, mount); every process, iptables rule and mount it makes is removed at the end.""";

    private FaultSuiteMain() {
    }

    /** Seconds (fractions allowed) as a bound; 0 or less: no bound. */
    static Duration maxRecovery(String seconds) {
        double s = Double.parseDouble(seconds.strip());
        return s <= 0 ? null : Duration.ofMillis(Math.round(s * 1000));
    }

    public static void main(String[] args) {
        Map<String, String> flags = new HashMap<>();
        String[] defaults = {"--seconds", "60", "--nodes", "3", "--mix", "all", "--seed",
            Long.toString(System.currentTimeMillis()), "--runs", "1", "--clients", "10", "--keys", "5", "--jar",
            "examples/kv/target/keel-kv.jar", "--dir", "raft-faults/target/fault-runs", "--keep", "false",
            "--long-holds", "false", "--max-recovery", "0"};
        for (int i = 0; i < defaults.length; i += 2) {
            flags.put(defaults[i], defaults[i + 1]);
        }
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--help") || !flags.containsKey(args[i]) || i + 1 >= args.length) {
                System.err.println((args[i].equals("--help") ? "" : "bad flag " + args[i] + "\n") + USAGE);
                System.exit(args[i].equals("--help") ? 0 : 2);
            }
            flags.put(args[i], args[++i]);
        }
        System.setProperty(FaultRun.KEEP_PROPERTY, flags.get("--keep"));
        if (!NetworkFaults.available()) {
            System.err.println("FaultSuiteMain needs root and iptables (apt-get install -y iptables)");
            System.exit(3);
        }
        Path jar = Path.of(flags.get("--jar"));
        if (!Files.isRegularFile(jar)) {
            System.err.println(jar + " is missing: build it with mvn -B -ntp -pl examples/kv -am package -DskipTests");
            System.exit(2);
        }
        long seed = Long.parseLong(flags.get("--seed"));
        int runs = Integer.parseInt(flags.get("--runs"));
        List<RunReport> reports = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            RunConfig config = new RunConfig(i, Integer.parseInt(flags.get("--nodes")),
                    Long.parseLong(flags.get("--seconds")), seed + i, flags.get("--mix"),
                    Integer.parseInt(flags.get("--clients")), Integer.parseInt(flags.get("--keys")), jar,
                    Path.of(flags.get("--dir")).toAbsolutePath(), Boolean.parseBoolean(flags.get("--long-holds")),
                    maxRecovery(flags.get("--max-recovery")));
            RunReport report = new FaultRun(config).run();
            reports.add(report);
            System.out.println(report.summary());
        }
        long failed = reports.stream().filter(r -> !r.passed()).count();
        System.out.println(runs + " run(s), " + failed + " with violations");
        System.exit(failed == 0 ? 0 : 1);
    }
}
