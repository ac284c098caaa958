package io.keelraft.core.protocol;

import io.keelraft.core.RaftOptions;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import java.util.ArrayDeque;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A synchronous cluster for scenario tests: storage is durable at once, messages are delivered in FIFO order
 * until the cluster is quiet, and tests choose exactly which servers tick and which links are cut.
 */
final class TestCluster {

    final Map<String, RaftProtocol> nodes = new LinkedHashMap<>();
    final Map<String, MemoryLog> logs = new LinkedHashMap<>();
    final Map<String, HardState> hardStates = new LinkedHashMap<>();
    final Map<String, List<LogEntry>> applied = new LinkedHashMap<>();
    final Map<String, List<ReadState>> reads = new LinkedHashMap<>();
    final Map<String, List<Long>> abortedReads = new LinkedHashMap<>();
    /** The soft states each server's Readies carried, in order. */
    final Map<String, List<SoftState>> softStates = new LinkedHashMap<>();
    /** Each server's newest snapshot: the entries it had applied through the snapshot's index. */
    final Map<String, List<LogEntry>> snapshots = new LinkedHashMap<>();
    /** Snapshots restored from a leader, by server, in order. */
    final Map<String, List<SnapshotMeta>> restored = new LinkedHashMap<>();
    /** Every message delivered, for assertions about traffic. */
    final List<Message> delivered = new ArrayList<>();
    private final ArrayDeque<Message> inFlight = new ArrayDeque<>();
    private final Map<String, List<LogEntry>> pendingSnapshotData = new LinkedHashMap<>();
    private final Set<String> isolated = new HashSet<>();
    /** Servers whose log store refuses appends (a full disk): the driver reports each refusal. */
    final Set<String> failingDisks = new HashSet<>();
    private Predicate<Message> dropRule = m -> false;

    /**
     * Options for protocol tests, which count time in ticks: the defaults (election timeout 10 ticks, heartbeat 1),
     * with the tick fixed so that timeouts may be given in ticks.
     */
    static RaftOptions.Builder ticks() {
        return RaftOptions.builder().tick(Duration.ofMillis(100));
    }

    /** Builds a cluster of {@code ids}, each with an empty log, configured by {@code tune}. */
    static TestCluster of(List<String> ids, Consumer<RaftOptions.Builder> tune) {
        Map<String, MemoryLog> logs = new LinkedHashMap<>();
        for (String id : ids) {
            logs.put(id, new MemoryLog());
        }
        return new TestCluster(logs, tune);
    }

    private final Map<String, RaftOptions> configs = new LinkedHashMap<>();
    private final ClusterConfiguration configuration;
    /** Servers added after the start: they boot with an empty configuration and learn theirs from the leader. */
    private final Set<String> joined = new HashSet<>();
    private Consumer<RaftOptions.Builder> tune;
    private boolean admission;
    private long seed = 42;

    TestCluster(Map<String, MemoryLog> initialLogs, Consumer<RaftOptions.Builder> tune) {
        configuration = ClusterConfiguration.ofVoters(initialLogs.keySet());
        this.tune = tune;
        for (Map.Entry<String, MemoryLog> e : initialLogs.entrySet()) {
            String id = e.getKey();
            RaftOptions.Builder b = ticks();
            tune.accept(b);
            logs.put(id, e.getValue());
            HardState hs = new HardState(e.getValue().lastIndex() == 0 ? 0 : e.getValue().term(e.getValue().lastIndex()), null);
            hardStates.put(id, hs);
            configs.put(id, b.build());
            nodes.put(id, new RaftProtocol(id, configs.get(id), configuration, hs, e.getValue(), 0, new SplittableRandom(seed++)));
            applied.put(id, new ArrayList<>());
            reads.put(id, new ArrayList<>());
            abortedReads.put(id, new ArrayList<>());
            restored.put(id, new ArrayList<>());
            softStates.put(id, new ArrayList<>());
        }
    }

    /** Starts a new server {@code id} with an empty log that knows no configuration yet (it is joining). */
    RaftProtocol join(String id) {
        RaftOptions.Builder b = ticks();
        tune.accept(b);
        configs.put(id, b.build());
        logs.put(id, new MemoryLog());
        hardStates.put(id, HardState.INITIAL);
        joined.add(id);
        applied.put(id, new ArrayList<>());
        reads.put(id, new ArrayList<>());
        abortedReads.put(id, new ArrayList<>());
        restored.put(id, new ArrayList<>());
        RaftProtocol n = new RaftProtocol(id, configs.get(id), bootstrap(id), HardState.INITIAL, logs.get(id), 0,
                new SplittableRandom(seed++));
        nodes.put(id, n);
        return n;
    }

    private ClusterConfiguration bootstrap(String id) {
        return joined.contains(id) ? new ClusterConfiguration(Set.of(), Set.of(), Set.of()) : configuration;
    }

    /**
     * Server {@code id} snapshots everything it applied and compacts its log through that index, keeping
     * {@code keep} entries before it.
     */
    SnapshotMeta snapshotAndCompact(String id, long keep) {
        RaftProtocol n = node(id);
        List<LogEntry> done = applied.get(id);
        LogEntry last = done.get(done.size() - 1);
        SnapshotMeta meta = new SnapshotMeta(last.index(), last.term(), configuration);
        snapshots.put(id, List.copyOf(done));
        n.snapshotAvailable(meta);
        long compactTo = last.index() - keep;
        if (compactTo > 0) {
            logs.get(id).compactTo(compactTo, logs.get(id).term(compactTo));
        }
        return meta;
    }

    /** Crashes and restarts {@code id}: a new instance from its durable term, vote and log; messages in flight to it are lost. */
    RaftProtocol restart(String id) {
        inFlight.removeIf(m -> m.to().equals(id) || m.from().equals(id));
        // A restarted server restores its newest snapshot, then replays the log after it.
        List<LogEntry> snapshot = snapshots.getOrDefault(id, List.of());
        applied.put(id, new ArrayList<>(snapshot));
        RaftProtocol n = new RaftProtocol(id, configs.get(id), bootstrap(id), hardStates.get(id), logs.get(id),
                snapshot.size(), new SplittableRandom(seed++));
        if (!snapshot.isEmpty()) {
            LogEntry last = snapshot.get(snapshot.size() - 1);
            n.snapshotAvailable(new SnapshotMeta(last.index(), last.term(), configuration));
        }
        nodes.put(id, n);
        return n;
    }

    RaftProtocol node(String id) {
        return nodes.get(id);
    }

    /** Cuts every link to and from {@code id}. */
    void isolate(String id) {
        isolated.add(id);
    }

    void reconnect(String id) {
        isolated.remove(id);
    }

    /**
     * Models the transport's admission (raft-transport-netty): a server takes messages only from the servers its
     * protocol says to reach, unless it is in no configuration itself (a joining server admits anyone).
     */
    void admitOnlyServersToReach() {
        admission = true;
    }

    private boolean admitted(Message m) {
        if (!admission) {
            return true;
        }
        java.util.Set<String> reach = node(m.to()).serversToReach();
        return reach.contains(m.from()) || !node(m.to()).configuration().members().contains(m.to());
    }

    /** Drops every message matching {@code rule} (in addition to isolation). */
    void dropWhen(Predicate<Message> rule) {
        this.dropRule = rule;
    }

    /** Ticks {@code id} until it has campaigned (or more), then lets the cluster settle. */
    void electByTicking(String id) {
        RaftProtocol n = node(id);
        for (int i = 0; i < 1000 && n.role() != Role.LEADER; i++) {
            n.tick();
            settle();
        }
    }

    /** Ticks every server {@code times} times, settling after each round. */
    void tickAll(int times) {
        for (int i = 0; i < times; i++) {
            for (RaftProtocol n : nodes.values()) {
                n.tick();
            }
            settle();
        }
    }

    /** Ticks only {@code ids}, settling after each round. */
    void tick(int times, String... ids) {
        for (int i = 0; i < times; i++) {
            for (String id : ids) {
                node(id).tick();
            }
            settle();
        }
    }

    /** Processes Ready batches and delivers messages until nothing moves. */
    void settle() {
        for (int rounds = 0; rounds < 100_000; rounds++) {
            boolean progress = false;
            for (Map.Entry<String, RaftProtocol> e : nodes.entrySet()) {
                progress |= drain(e.getKey(), e.getValue());
            }
            Message m = inFlight.pollFirst();
            if (m != null) {
                progress = true;
                if (!isolated.contains(m.from()) && !isolated.contains(m.to()) && !dropRule.test(m) && admitted(m)) {
                    delivered.add(m);
                    if (m instanceof Message.InstallSnapshot) {
                        // The snapshot's bytes travel with it: they are durable at the receiver before it steps.
                        pendingSnapshotData.put(m.to(), snapshots.get(m.from()));
                    }
                    node(m.to()).step(m);
                }
            }
            if (!progress) {
                return;
            }
        }
        throw new AssertionError("cluster did not settle");
    }

    /** Processes one node's Ready batches only, leaving its messages queued. */
    boolean drain(String id, RaftProtocol n) {
        boolean any = false;
        while (n.hasReady()) {
            any = true;
            Ready r = n.ready();
            if (r.softState() != null) {
                softStates.computeIfAbsent(id, k -> new ArrayList<>()).add(r.softState());
            }
            if (r.hardState() != null) {
                hardStates.put(id, r.hardState());
                n.hardStatePersisted(r.hardState());
            }
            MemoryLog log = logs.get(id);
            if (r.snapshotToRestore() != null) {
                SnapshotMeta meta = r.snapshotToRestore();
                log.compactTo(meta.index(), meta.term());
                List<LogEntry> data = pendingSnapshotData.remove(id);
                applied.put(id, new ArrayList<>(data.subList(0, (int) meta.index())));
                snapshots.put(id, List.copyOf(applied.get(id)));
                restored.get(id).add(meta);
            }
            if (failingDisks.contains(id) && !r.entriesToAppend().isEmpty()) {
                // The store refused the append: RaftGroup drops the acknowledgements waiting for it (PersistQueue
                // .entriesDiscarded) and reports the failure.
                n.storageFailed();
                inFlight.addAll(r.messages());
                continue;
            }
            log.append(r.entriesToAppend());
            inFlight.addAll(r.messages());
            if (!r.entriesToAppend().isEmpty()) {
                LogEntry last = r.entriesToAppend().get(r.entriesToAppend().size() - 1);
                n.persisted(last.index(), last.term());
            }
            inFlight.addAll(r.messagesAfterPersist());
            applied.get(id).addAll(r.committedEntries());
            reads.get(id).addAll(r.readStates());
            abortedReads.get(id).addAll(r.abortedReads());
        }
        return any;
    }

    /** The single leader with the highest term, or null. */
    RaftProtocol leader() {
        RaftProtocol best = null;
        for (RaftProtocol n : nodes.values()) {
            if (n.role() == Role.LEADER && (best == null || n.currentTerm() > best.currentTerm())) {
                best = n;
            }
        }
        return best;
    }
}
