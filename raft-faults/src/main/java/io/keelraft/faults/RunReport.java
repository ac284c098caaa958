package io.keelraft.faults;

import io.keelraft.testkit.linearizability.Operation;
import io.keelraft.testkit.linearizability.Outcome;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The result of one run: counts of operations by outcome, faults by kind, recovery and checker times, and every
 * problem found. A run passed when there is no problem; otherwise {@code folder} holds its history, schedule,
 * fault log and node logs.
 *
 * @param config           what ran
 * @param operations       operations recorded (workload and final reads)
 * @param ok               acknowledged ones
 * @param failed           definitely not applied ones (errors to reads, CAS without swap, expired sessions)
 * @param unknown          indeterminate ones (timeouts, lost connections, error replies to writes)
 * @param unexpected       replies that fit no command's protocol
 * @param injected         faults injected, by kind
 * @param skipped          faults not possible here, by kind
 * @param recoveryMillis   time from healing to a cluster serving every member; -1 if it did not recover
 * @param healRecoveries   the recovery after each heal, per fault kind ({@link HealRecoveries#summary})
 * @param checkerMillis    time the linearizability checker took
 * @param checker          the checker's one-line summary
 * @param problems         every violation found
 * @param folder           where the run's files were kept, or null when they were deleted (passed)
 */
public record RunReport(RunConfig config, int operations, long ok, long failed, long unknown, int unexpected,
                        Map<FaultKind, Integer> injected, Map<FaultKind, Integer> skipped, long recoveryMillis,
                        String healRecoveries, long checkerMillis, String checker, List<String> problems, Path folder) {

    public boolean passed() {
        return problems.isEmpty();
    }

    static long count(List<Operation> ops, Outcome outcome) {
        return ops.stream().filter(op -> op.outcome() == outcome).count();
    }

    /** A few lines for the console and the failure message. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append(passed() ? "PASSED" : "FAILED").append(": ").append(config).append('\n');
        s.append("  operations ").append(operations).append(": ok ").append(ok).append(", failed ").append(failed)
                .append(", indeterminate ").append(unknown).append(", unexpected replies ").append(unexpected)
                .append('\n');
        s.append("  faults injected ").append(injected.values().stream().mapToInt(Integer::intValue).sum())
                .append(": ").append(show(injected));
        if (!skipped.isEmpty()) {
            s.append("; skipped ").append(show(skipped));
        }
        s.append('\n');
        s.append("  recovery after each heal, per kind (").append(config.maxRecovery() == null
                ? "no bound: --max-recovery off" : "bound --max-recovery " + config.maxRecovery().toMillis() / 1000.0
                + " s").append("):\n").append(healRecoveries.isEmpty() ? "    none measured\n" : healRecoveries);
        s.append("  recovery after the final healing ").append(recoveryMillis < 0 ? "NONE" : recoveryMillis + " ms")
                .append(", checker ").append(checkerMillis).append(" ms: ").append(checker.strip().split("\n")[0])
                .append('\n');
        if (!passed()) {
            s.append("  ").append(problems.size()).append(" problem(s):\n");
            problems.forEach(p -> s.append("    ").append(p.strip().replace("\n", "\n    ")).append('\n'));
            s.append("  reproduce the schedule with seed ").append(config.seed()).append(" (mix ").append(config.mix())
                    .append(", ").append(config.nodes()).append(" nodes, ").append(config.seconds()).append(" s)")
                    .append('\n');
            s.append("  history, schedule, fault log and node logs kept in ").append(folder).append('\n');
        }
        return s.toString();
    }

    private static String show(Map<FaultKind, Integer> counts) {
        return counts.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
    }
}
