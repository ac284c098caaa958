package io.keelraft.faults;

import io.keelraft.testkit.linearizability.CheckResult;
import io.keelraft.testkit.linearizability.Command;
import io.keelraft.testkit.linearizability.History;
import io.keelraft.testkit.linearizability.LinearizabilityChecker;
import io.keelraft.testkit.linearizability.SearchBudget;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What is checked once every fault is healed: the cluster recovers within a bound (a leader, and a write
 * acknowledged through every member); every key read through every member, recorded in the history; the members
 * converge (same values, same commit and applied index); the whole history is linearizable; no acknowledged write
 * is lost.
 */
public final class FinalChecks {

    private static final Logger LOG = LoggerFactory.getLogger(FinalChecks.class);
    /** Clients of the final reads are numbered from here, apart from the workload's. */
    static final int FINAL_READER = 1000;
    private static final int CALL_TIMEOUT_MILLIS = 10_000;

    /**
     * What the checks found.
     *
     * @param recoveryMillis how long after healing the cluster served every member again; -1 if it did not
     * @param members        the members checked
     * @param finalValues    each key's value as the members agree on it (the first member's on disagreement)
     * @param appliedIndex   the applied index the members agreed on; -1 if they did not
     * @param linearizable   the checker's answer
     * @param checkerMillis  how long the checker took
     * @param problems       every violation, one line each; empty when all is well
     */
    public record Outcome(long recoveryMillis, List<String> members, Map<String, String> finalValues,
                          long appliedIndex, CheckResult linearizable, long checkerMillis, List<String> problems) {
    }

    private final KvCluster cluster;
    private final RunClock clock;
    private final History history;
    private final List<String> keys;
    private final Duration recoveryBound;
    private final AtomicInteger barrier = new AtomicInteger();

    public FinalChecks(KvCluster cluster, RunClock clock, History history, List<String> keys, Duration recoveryBound) {
        this.cluster = cluster;
        this.clock = clock;
        this.history = history;
        this.keys = keys;
        this.recoveryBound = recoveryBound;
    }

    /** Runs every check; the cluster must be healed. */
    public Outcome run() {
        List<String> problems = new ArrayList<>();
        long healed = System.nanoTime();
        List<String> members = new ArrayList<>();
        boolean recovered = Poll.until(() -> servesEveryMember(members), recoveryBound, Duration.ofMillis(500));
        long recoveryMillis = recovered ? (System.nanoTime() - healed) / 1_000_000 : -1;
        if (!recovered) {
            problems.add("the cluster did not recover within " + recoveryBound.toSeconds() + " s of healing: "
                    + "leader " + cluster.leader().orElse("none") + ", members " + members);
            for (KvCluster.Node n : cluster.allNodes()) {
                problems.add("  " + n + ": " + cluster.info(n.id()));
            }
        }
        // Each member's reads go through the leader's read index, so they are linearizable, and all of them are in
        // the history the checker sees. Members that differ in one round may still agree: a write whose client gave
        // up (indeterminate) can land after the workload stopped — seen with seed 18003, a command forwarded by a
        // server whose outgoing packets were dropped arrived when the partition healed, between the first member's
        // read and the second's. So a difference is read again, up to three rounds; one that lasts is divergence.
        Map<String, Map<String, String>> read = new TreeMap<>();
        for (int round = 1; recovered && round <= 3; round++) {
            read.clear();
            for (int i = 0; i < members.size(); i++) {
                read.put(members.get(i), readEveryKey(members.get(i), FINAL_READER + 10 * (round - 1) + i, problems));
            }
            if (new java.util.HashSet<>(read.values()).size() <= 1) {
                break;
            }
            LOG.info("final reads, round {}: the members differ ({}); reading again", round, read);
        }
        Map<String, String> finalValues = new TreeMap<>();
        if (!read.isEmpty()) {
            Map<String, String> first = read.values().iterator().next();
            finalValues.putAll(first);
            for (Map.Entry<String, Map<String, String>> e : read.entrySet()) {
                if (!Objects.equals(e.getValue(), first)) {
                    problems.add("members diverge: " + e.getKey() + " reads " + e.getValue() + " but "
                            + read.keySet().iterator().next() + " reads " + first + " (after three rounds of reads)");
                }
            }
        }
        long applied = recovered ? convergedAppliedIndex(members, problems) : -1;

        long checkStart = System.nanoTime();
        CheckResult result = new LinearizabilityChecker(SearchBudget.steps(5_000_000)
                .withTimeLimit(Duration.ofMinutes(5))).check(history);
        long checkerMillis = (System.nanoTime() - checkStart) / 1_000_000;
        if (result.verdict() != CheckResult.Verdict.LINEARIZABLE) {
            problems.add(result.describe());
        }
        if (!finalValues.isEmpty()) {
            problems.addAll(AcknowledgedWrites.lost(history.operations(), finalValues));
        }
        return new Outcome(recoveryMillis, List.copyOf(members), finalValues, applied, result, checkerMillis,
                problems);
    }

    /** Whether a leader exists and a write is acknowledged through every member; fills {@code members}. */
    private boolean servesEveryMember(List<String> members) {
        members.clear();
        Optional<String> leader = cluster.leader();
        if (leader.isEmpty()) {
            return false;
        }
        for (String m : cluster.info(leader.get()).getOrDefault("members", "").split(",")) {
            int eq = m.indexOf('=');
            if (eq > 0) {
                members.add(m.substring(0, eq));
            }
        }
        if (members.isEmpty()) {
            return false;
        }
        for (String id : members) {
            try {
                Object reply = cluster.call(id, CALL_TIMEOUT_MILLIS, "SET", "barrier-" + id,
                        "b" + barrier.incrementAndGet());
                if (!"OK".equals(reply)) {
                    LOG.info("recovery: {} answers {}", id, reply);
                    return false;
                }
            } catch (IOException | IllegalArgumentException e) {
                LOG.info("recovery: {} does not answer: {}", id, e.toString());
                return false;
            }
        }
        return true;
    }

    /** Reads every key through {@code id} with a linearizable GET, recording each read in the history. */
    private Map<String, String> readEveryKey(String id, int client, List<String> problems) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : keys) {
            boolean done = Poll.until(() -> {
                long op = history.invoke(client, Command.get(key), clock.nanos());
                try {
                    Object reply = cluster.call(id, CALL_TIMEOUT_MILLIS, "GET", key);
                    if (reply == null || reply instanceof String) {
                        history.ok(op, clock.nanos(), (String) reply);
                        values.put(key, (String) reply);
                        return true;
                    }
                    history.fail(op, clock.nanos());
                    LOG.info("final read of {} through {}: {}", key, id, reply);
                    return false;
                } catch (IOException e) {
                    history.unknown(op);
                    return false;
                }
            }, Duration.ofSeconds(30), Duration.ofMillis(200));
            if (!done) {
                problems.add("could not read " + key + " through " + id + " within 30 s after recovery");
            }
        }
        return values;
    }

    /** The applied index every member reaches, with equal commit indexes; -1 and a problem if they do not. */
    private long convergedAppliedIndex(List<String> members, List<String> problems) {
        Map<String, String> last = new TreeMap<>();
        boolean converged = Poll.until(() -> {
            last.clear();
            for (String id : members) {
                Map<String, String> info = cluster.info(id);
                last.put(id, info.get("commitIndex") + "/" + info.get("lastApplied"));
            }
            String first = last.values().iterator().next();
            return !first.contains("null") && last.values().stream().allMatch(first::equals)
                    && first.split("/")[0].equals(first.split("/")[1]);
        }, Duration.ofSeconds(20), Duration.ofMillis(250));
        if (!converged) {
            problems.add("members did not converge on one commit/applied index within 20 s: " + last);
            return -1;
        }
        return Long.parseLong(last.values().iterator().next().split("/")[1]);
    }
}
