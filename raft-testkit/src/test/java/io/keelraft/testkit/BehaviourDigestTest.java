package io.keelraft.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A refactoring check, off by default: writes one line per (configuration, seed) with every field of the run's
 * result — the hash of the full event trace (every message received, with its contents; every write, apply and
 * role change), the hash of the durable logs and the counters — or the failure. Run it on the code before and
 * after a change that must not change behaviour and compare the files byte for byte:
 * {@code -Dtest=BehaviourDigestTest -Dkeel.digest.out=/tmp/before.txt [-Dkeel.digest.seeds=200]
 * -Dkeel.digest.nodeSeeds=40]}. The protocol simulation's lines are exact, full trace hash included; the node
 * simulation's leave out the trace hash (see {@link #acrossJvms}).
 */
@EnabledIfSystemProperty(named = "keel.digest.out", matches = ".+")
class BehaviourDigestTest {

    private static final int SEEDS = Integer.getInteger("keel.digest.seeds", 200);
    private static final int NODE_SEEDS = Integer.getInteger("keel.digest.nodeSeeds", 40);

    @Test
    void writeDigests() throws IOException {
        Map<String, SimulationOptions> protocolRuns = new TreeMap<>();

        protocolRuns.put("a 3 servers (PreVote, CheckQuorum, membership, snapshots)",
                base().clusterSize(3).build());
        protocolRuns.put("b 5 servers (PreVote, CheckQuorum, membership, snapshots)",
                base().clusterSize(5).build());
        protocolRuns.put("c 3 servers, PreVote and CheckQuorum off",
                base().clusterSize(3).preVote(false).checkQuorum(false).build());
        protocolRuns.put("d 5 servers, PreVote and CheckQuorum off",
                base().clusterSize(5).preVote(false).checkQuorum(false).build());
        protocolRuns.put("e 3 servers, no membership changes, no snapshots",
                base().clusterSize(3).membershipEveryMillis(0).snapshotEveryEntries(0).build());
        protocolRuns.put("f 5 servers, PreVote on, CheckQuorum off, snapshots every 5",
                base().clusterSize(5).checkQuorum(false).snapshotEveryEntries(5).build());
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, SimulationOptions> run : protocolRuns.entrySet()) {
            lines.add("# protocol simulation: " + run.getKey() + ", seeds 1.." + SEEDS);
            String[] out = new String[SEEDS];
            LongStream.rangeClosed(1, SEEDS).parallel().forEach(seed -> {
                String line;
                try {
                    line = new Simulation(run.getValue().withSeed(seed)).run().toString();
                } catch (SimulationFailure f) {
                    line = "seed " + seed + " FAILED " + f.property() + ": " + f.getMessage().lines().findFirst()
                            .orElse("");
                }
                out[(int) seed - 1] = line;
            });
            lines.addAll(List.of(out));
        }
        for (int size : new int[] {3, 5}) {
            SimulationOptions options = SimulationOptions.builder().clusterSize(size).faultPhaseMillis(10_000)
                    .hashFullTrace(true).build();
            lines.add("# node simulation: " + size + " servers, seeds 1.." + NODE_SEEDS);
            String[] out = new String[NODE_SEEDS];
            LongStream.rangeClosed(1, NODE_SEEDS).parallel().forEach(seed -> {
                String line;
                try {
                    line = acrossJvms(new NodeSimulation(options.withSeed(seed)).run().toString());
                } catch (SimulationFailure f) {
                    line = "seed " + seed + " FAILED " + f.property() + ": " + f.getMessage().lines().findFirst()
                            .orElse("");
                }
                out[(int) seed - 1] = line;
            });
            lines.addAll(List.of(out));
        }
        Files.write(Path.of(System.getProperty("keel.digest.out")), lines);
    }

    /**
     * A node simulation replays exactly within one JVM, but its trace hash and its final member set's order
     * depend on the iteration order of {@code Set.of}, which is salted per JVM: leave the one out, sort the other.
     */
    private static String acrossJvms(String result) {
        String withoutTraceHash = result.replaceAll("traceHash=-?\\d+, ", "");
        Matcher m = Pattern.compile("finalMembers=\\[([^\\]]*)]").matcher(withoutTraceHash);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, "finalMembers=" + new TreeSet<>(List.of(m.group(1).split(", "))));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static SimulationOptions.Builder base() {
        return SimulationOptions.builder().hashFullTrace(true);
    }
}
