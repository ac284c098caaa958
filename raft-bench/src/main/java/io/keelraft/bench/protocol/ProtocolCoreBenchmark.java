package io.keelraft.bench.protocol;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.DurableLog;
import io.keelraft.core.protocol.EntryType;
import io.keelraft.core.protocol.HardState;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.protocol.Message;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.protocol.RaftProtocol;
import io.keelraft.core.protocol.Ready;
import io.keelraft.core.Role;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pure protocol alone: proposals per second through a 3-server cluster of {@link RaftProtocol}s wired in
 * memory — no threads, no I/O, "durable" the moment the driver sees a Ready. Each operation proposes
 * {@code batch} 117-byte commands on the leader (the peer-bench workload's command size) and runs the cluster
 * until all are committed and applied everywhere.
 *
 * <p>Baseline, same run: {@link #entriesOnly} does the work no replication can avoid — one log entry per
 * command, appended to three in-memory logs — so the ratio shows what the protocol's bookkeeping costs
 * (elections aside: messages, replication state, commit and apply accounting).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ProtocolCoreBenchmark {

    private static final int BATCH = 64;
    private static final List<String> IDS = List.of("n1", "n2", "n3");

    @Param({"117"})
    public int commandBytes;

    private Map<String, RaftProtocol> nodes;
    private Map<String, InMemoryLog> logs;
    private final ArrayDeque<Message> inFlight = new ArrayDeque<>();
    private RaftProtocol leader;
    private byte[] command;
    private List<List<LogEntry>> copies;
    private long nextIndex = 1;

    @Setup(Level.Iteration)
    public void setUp() {
        command = new byte[commandBytes];
        nodes = new LinkedHashMap<>();
        logs = new LinkedHashMap<>();
        ClusterConfiguration configuration = ClusterConfiguration.ofVoters(new LinkedHashSet<>(IDS));
        long seed = 1;
        for (String id : IDS) {
            InMemoryLog log = new InMemoryLog();
            logs.put(id, log);
            nodes.put(id, new RaftProtocol(id, RaftOptions.defaults(), configuration, HardState.INITIAL,
                    log, 0, new SplittableRandom(seed++)));
        }
        leader = nodes.get("n1");
        for (int i = 0; i < 1000 && leader.role() != Role.LEADER; i++) {
            leader.tick();
            settle();
        }
        if (leader.role() != Role.LEADER) {
            throw new IllegalStateException("n1 did not become leader");
        }
        copies = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    }

    /** {@value #BATCH} proposals replicated, committed and handed out for application on all three servers. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long protocol() {
        for (int i = 0; i < BATCH; i++) {
            leader.propose(command);
        }
        settle();
        return leader.commitIndex();
    }

    /** Baseline: one entry per command appended to three logs, nothing else. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int entriesOnly() {
        for (int i = 0; i < BATCH; i++) {
            LogEntry e = new LogEntry(nextIndex++, 1, EntryType.COMMAND, command);
            for (List<LogEntry> log : copies) {
                log.add(e);
            }
        }
        if (copies.get(0).size() > 100_000) {
            copies.forEach(l -> l.subList(0, l.size() - 10_000).clear());
        }
        return copies.get(0).size();
    }

    private void settle() {
        boolean progress = true;
        while (progress) {
            progress = false;
            for (Map.Entry<String, RaftProtocol> e : nodes.entrySet()) {
                RaftProtocol n = e.getValue();
                while (n.hasReady()) {
                    progress = true;
                    Ready r = n.ready();
                    InMemoryLog log = logs.get(e.getKey());
                    if (r.hardState() != null) {
                        n.hardStatePersisted(r.hardState());
                    }
                    log.append(r.entriesToAppend());
                    inFlight.addAll(r.messages());
                    if (!r.entriesToAppend().isEmpty()) {
                        LogEntry last = r.entriesToAppend().get(r.entriesToAppend().size() - 1);
                        n.persisted(last.index(), last.term());
                    }
                    inFlight.addAll(r.messagesAfterPersist());
                }
            }
            Message m;
            while ((m = inFlight.pollFirst()) != null) {
                progress = true;
                nodes.get(m.to()).step(m);
            }
        }
        // Keep memory flat over long runs: a real driver compacts after snapshots.
        for (InMemoryLog log : logs.values()) {
            log.trim();
        }
    }

    /** Entries in an array list; old applied entries are compacted away, as after a snapshot. */
    private static final class InMemoryLog implements DurableLog {
        private final ArrayList<LogEntry> entries = new ArrayList<>();
        private long base;
        private long baseTerm;

        void append(List<LogEntry> batch) {
            if (batch.isEmpty()) {
                return;
            }
            long first = batch.get(0).index();
            while (lastIndex() >= first) {
                entries.remove(entries.size() - 1);
            }
            entries.addAll(batch);
        }

        void trim() {
            if (entries.size() > 100_000) {
                int drop = entries.size() - 10_000;
                baseTerm = entries.get(drop - 1).term();
                base += drop;
                entries.subList(0, drop).clear();
            }
        }

        @Override
        public long snapshotIndex() {
            return base;
        }

        @Override
        public long snapshotTerm() {
            return baseTerm;
        }

        @Override
        public long lastIndex() {
            return base + entries.size();
        }

        @Override
        public long term(long index) {
            return index == base ? baseTerm : entries.get((int) (index - base - 1)).term();
        }

        @Override
        public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
            return LogEntry.prefixWithin(entries.subList((int) (fromIndex - base - 1), (int) (toIndex - base - 1)), maxBytes);
        }
    }
}
