package io.keelraft.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.ReadMode;
import io.keelraft.testkit.NodeSimulation.NodeSimulationResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The real {@code RaftNode} under faults in virtual time, its client histories checked for linearizability.
 * Seeds: {@code 2/5} of {@code -Dkeel.sim.seeds} (so 200 by default), from {@code -Dkeel.sim.baseSeed}, for 3
 * and 5 servers.
 */
class NodeSimulationTest {

    private static final long SEEDS = Math.max(1, Long.getLong("keel.sim.seeds", 500) * 2 / 5);
    private static final long BASE_SEED = Long.getLong("keel.sim.baseSeed", 1);
    private static final int SNAPSHOT_EVERY = Integer.getInteger("keel.sim.snapshotEvery", 25);

    @Test
    void threeServers() {
        sweep(3);
    }

    @Test
    void fiveServers() {
        sweep(5);
    }

    @Test
    void oneSeedReplaysExactly() {
        SimulationOptions options = options(3).withSeed(BASE_SEED);
        NodeSimulationResult first = new NodeSimulation(options).run();
        NodeSimulationResult second = new NodeSimulation(options).run();
        assertThat(second).isEqualTo(first);
    }

    @Test
    void staleLocalReadsAreCaught() {
        // Reads served from a server's own state without asking the leader (ReadMode.STALE_LOCAL) are not
        // linearizable; the checker must say so within the default seeds, and name the key.
        SimulationFailure caught = null;
        for (long seed = BASE_SEED; seed < BASE_SEED + SEEDS && caught == null; seed++) {
            try {
                new NodeSimulation(options(3).withSeed(seed), ReadMode.STALE_LOCAL).run();
            } catch (SimulationFailure f) {
                caught = f;
            }
        }
        System.out.println("[node simulation] stale local reads: " + (caught == null ? "not caught"
                : "caught at seed " + caught.seed()));
        assertThat(caught).isInstanceOf(SafetyViolation.class);
        assertThat(caught.property()).isEqualTo("Linearizability");
        assertThat(caught.getMessage()).contains("GET").contains("seed " + caught.seed());
    }

    @Test
    void aStateMachineRestoredWrongFromASnapshotIsCaught() {
        // Snapshots are taken, installed and restored in these runs: a restore that loses a key must make a
        // replica diverge or a read inexplicable within the default seeds.
        SimulationFailure caught = null;
        for (long seed = BASE_SEED; seed < BASE_SEED + SEEDS && caught == null; seed++) {
            try {
                new NodeSimulation(options(3).withSeed(seed), null, true).run();
            } catch (SimulationFailure f) {
                caught = f;
            }
        }
        System.out.println("[node simulation] lossy snapshot restore: " + (caught == null ? "not caught"
                : "caught at seed " + caught.seed() + " (" + caught.property() + ")"));
        assertThat(caught).isInstanceOf(SafetyViolation.class);
    }

    private static SimulationOptions options(int size) {
        return SimulationOptions.builder().clusterSize(size).faultPhaseMillis(10_000)
                .snapshotEveryEntries(SNAPSHOT_EVERY).build();
    }

    private static void sweep(int size) {
        SimulationOptions options = options(size);
        ConcurrentLinkedQueue<NodeSimulationResult> results = new ConcurrentLinkedQueue<>();
        List<SimulationFailure> failures = new ArrayList<>();
        long started = System.nanoTime();
        LongStream.range(BASE_SEED, BASE_SEED + SEEDS).parallel().forEach(seed -> {
            try {
                results.add(new NodeSimulation(options.withSeed(seed)).run());
            } catch (SimulationFailure f) {
                synchronized (failures) {
                    failures.add(f);
                }
            }
        });
        long ops = results.stream().mapToLong(NodeSimulationResult::operations).sum();
        double changes = results.stream().mapToLong(NodeSimulationResult::leaderChanges).average().orElse(0);
        long crashes = results.stream().mapToLong(NodeSimulationResult::crashes).sum();
        System.out.printf("[node simulation] %d servers, seeds %d..%d: %d passed, %d failed in %d ms; %d client "
                        + "operations checked; leader changes mean %.2f; %d crashes%n", size, BASE_SEED,
                BASE_SEED + SEEDS - 1, results.size(), failures.size(), (System.nanoTime() - started) / 1_000_000,
                ops, changes, crashes);
        long taken = results.stream().mapToLong(r -> r.snapshots().taken()).sum();
        long installed = results.stream().mapToLong(r -> r.snapshots().installed()).sum();
        System.out.printf("[node simulation] %d servers: snapshots taken %d (failed %d), installed from a leader %d "
                        + "in %d runs, %d snapshot bytes sent, %d compactions, %d resumed transfers; crashes while "
                        + "snapshotting %d, while receiving a snapshot %d%n", size, taken,
                results.stream().mapToLong(r -> r.snapshots().failed()).sum(), installed,
                results.stream().filter(r -> r.snapshots().installed() > 0).count(),
                results.stream().mapToLong(r -> r.snapshots().chunkBytesSent()).sum(),
                results.stream().mapToLong(r -> r.snapshots().compactions()).sum(),
                results.stream().mapToLong(r -> r.snapshots().resumedTransfers()).sum(),
                results.stream().mapToLong(r -> r.snapshots().crashesWhileSnapshotting()).sum(),
                results.stream().mapToLong(r -> r.snapshots().crashesWhileReceiving()).sum());
        long requested = results.stream().mapToLong(r -> r.membership().requested()).sum();
        long completed = results.stream().mapToLong(r -> r.membership().completed()).sum();
        long removals = results.stream().mapToLong(r -> r.membership().leaderRemovals()).sum();
        long transfers = results.stream().mapToLong(r -> r.membership().transfers()).sum();
        long reshaped = results.stream().filter(r -> !r.membership().finalMembers()
                .equals(initialMembers(size))).count();
        System.out.printf("[node simulation] %d servers + %d spares: membership requests %d (%d completed, %d "
                        + "asking to remove the leader), %d leadership transfers (%d completed); %d runs ended with "
                        + "other members than they started with%n", size, options.spareServers(), requested,
                completed, removals, transfers,
                results.stream().mapToLong(r -> r.membership().transfersCompleted()).sum(), reshaped);
        // Every run checks that no user future completes on the raft loop (FutureLanes); these are the kinds seen.
        java.util.Map<String, Long> futures = new java.util.TreeMap<>();
        results.forEach(r -> r.futuresByKind().forEach((k, v) -> futures.merge(k, v, Long::sum)));
        System.out.printf("[node simulation] %d servers: user futures completed off the raft loop, by kind: %s%n",
                size, futures);
        failures.sort((a, b) -> Long.compare(a.seed(), b.seed()));
        if (!failures.isEmpty()) {
            System.out.println(failures.get(0).getMessage());
        }
        assertThat(failures).as("failing seeds").isEmpty();
        assertThat(futures).as("kinds of user futures checked").containsKeys("submit", "openSession",
                "query READ_INDEX", "query LEASE", "configuration", "status", "snapshot", "addVoter", "addLearner",
                "promote", "removeServer", "transferLeadership", "changeMembership");
        assertThat(completed).as("membership changes that completed").isPositive();
        assertThat(reshaped).as("runs that changed the cluster's members").isPositive();
    }

    private static Set<String> initialMembers(int size) {
        Set<String> ids = new TreeSet<>();
        for (int i = 1; i <= size; i++) {
            ids.add("n" + i);
        }
        return ids;
    }
}
