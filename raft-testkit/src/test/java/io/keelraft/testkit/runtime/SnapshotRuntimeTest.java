package io.keelraft.testkit.runtime;

import static io.keelraft.testkit.memory.KeyValueStateMachine.append;
import static io.keelraft.testkit.memory.KeyValueStateMachine.get;
import static io.keelraft.testkit.memory.KeyValueStateMachine.put;
import static io.keelraft.testkit.memory.KeyValueStateMachine.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.ClientSession;
import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.TransportException;
import io.keelraft.testkit.memory.InMemoryLogStore;
import io.keelraft.testkit.memory.InMemoryMetaStore;
import io.keelraft.testkit.memory.KeyValueStateMachine;
import io.keelraft.testkit.memory.LocalNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Snapshots in the real runtime on real threads (issue 8): the automatic trigger and compaction, on-demand
 * snapshots, restart from a snapshot plus the log after it, InstallSnapshot for a follower that fell behind
 * (with resume and a corrupted chunk), and a log that stays bounded under continuous writes.
 */
class SnapshotRuntimeTest {

    private static final List<String> THREE = List.of("n1", "n2", "n3");
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static void writeAll(RaftNode node, int from, int to, String prefix) throws Exception {
        List<CompletableFuture<byte[]>> writes = new ArrayList<>();
        for (int i = from; i < to; i++) {
            writes.add(node.submit(put("k" + (i % 50), prefix + i)));
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
    }

    @Test
    void snapshotsAreTakenAutomaticallyAndTheLogIsCompactedBehindThem() throws Exception {
        RaftOptions.Builder tuning = RaftOptions.builder().snapshotLogEntries(100).snapshotTrailingEntries(10);
        try (InProcessCluster c = new InProcessCluster(THREE, tuning)) {
            RaftNode leader = c.awaitLeader();
            for (int round = 0; round < 7; round++) {
                writeAll(leader, round * 50, round * 50 + 50, "v");
            }
            await().atMost(WAIT).untilAsserted(() -> {
                for (String id : THREE) {
                    assertThat(c.snapshots.get(id).latest()).as(id).isPresent();
                    SnapshotMeta newest = c.snapshots.get(id).latest().orElseThrow().meta();
                    assertThat(newest.index()).as(id).isGreaterThanOrEqualTo(300);
                    assertThat(newest.configuration().voters()).containsExactlyInAnyOrderElementsOf(THREE);
                    InMemoryLogStore log = c.logs.get(id);
                    // Compacted to the snapshot minus the trailing margin.
                    assertThat(log.snapshotIndex()).as(id).isEqualTo(newest.index() - 10);
                    assertThat(log.size()).as(id).isLessThan(100 + 10 + 50);
                }
            });
            // The retention keeps two snapshots.
            assertThat(c.snapshots.get(leader.id()).snapshots()).hasSize(2);
            assertThat(text(leader.query(get("k49")).get(10, TimeUnit.SECONDS))).isEqualTo("v349");
        }
    }

    @Test
    void aSnapshotIsTakenOnDemand() throws Exception {
        RaftOptions.Builder tuning = RaftOptions.builder().snapshotTrailingEntries(5);
        try (InProcessCluster c = new InProcessCluster(THREE, tuning)) {
            RaftNode leader = c.awaitLeader();
            writeAll(leader, 0, 40, "v");
            long applied = leader.lastApplied();
            SnapshotMeta meta = leader.snapshot().get(10, TimeUnit.SECONDS);
            assertThat(meta.index()).isGreaterThanOrEqualTo(applied);
            assertThat(c.snapshots.get(leader.id()).latest().orElseThrow().meta()).isEqualTo(meta);
            assertThat(c.logs.get(leader.id()).snapshotIndex()).isEqualTo(meta.index() - 5);
            // Nothing applied since: the same snapshot answers.
            assertThat(leader.snapshot().get(10, TimeUnit.SECONDS)).isEqualTo(meta);
            // A follower snapshots its own state too.
            RaftNode follower = c.follower();
            await().atMost(WAIT).until(() -> follower.lastApplied() >= meta.index());
            assertThat(follower.snapshot().get(10, TimeUnit.SECONDS).index()).isGreaterThanOrEqualTo(meta.index());
        }
    }

    @Test
    void withoutASnapshotStoreOnDemandSnapshotsFailClearly() throws Exception {
        LocalNetwork network = new LocalNetwork();
        try (RaftNode node = RaftNode.builder().id("n1").members(Map.of("n1", "local:n1"))
                .stores(new InMemoryLogStore("n1"), new InMemoryMetaStore()).transport(network.transport("n1"))
                .stateMachine(new KeyValueStateMachine()).build().start()) {
            assertThatThrownBy(() -> node.snapshot().get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("no snapshot store");
        }
    }

    @Test
    void aRestartedClusterRestoresItsSnapshotsReplaysTheTailAndKeepsSessionsExactlyOnce() throws Exception {
        RaftOptions.Builder tuning = RaftOptions.builder().snapshotTrailingEntries(0);
        try (InProcessCluster c = new InProcessCluster(THREE, tuning)) {
            RaftNode leader = c.awaitLeader();
            ClientSession session = leader.openSession().get(10, TimeUnit.SECONDS);
            long sessionId = session.id();
            for (int i = 0; i < 20; i++) {
                session.submit(append("log", "a" + i)).get(10, TimeUnit.SECONDS);
            }
            // Sequence 21 is the last one applied: its result is cached in the session table.
            String expected = text(session.submit(append("log", "X")).get(10, TimeUnit.SECONDS));
            long snapshotIndex = 0;
            for (String id : THREE) {
                RaftNode n = c.nodes.get(id);
                await().atMost(WAIT).until(() -> n.lastApplied() >= leader.lastApplied());
                snapshotIndex = n.snapshot().get(10, TimeUnit.SECONDS).index();
            }
            // The tail: entries after the snapshots.
            writeAll(leader, 0, 30, "t");
            for (String id : THREE) {
                c.stop(id);
            }
            for (String id : THREE) {
                // The log starts at the snapshot: the state before it can only come from the snapshot.
                assertThat(c.logs.get(id).snapshotIndex()).isGreaterThanOrEqualTo(snapshotIndex);
                c.start(id);
            }
            RaftNode again = c.awaitLeader();
            assertThat(text(again.query(get("log")).get(10, TimeUnit.SECONDS))).endsWith("a19X");
            assertThat(text(again.query(get("k29")).get(10, TimeUnit.SECONDS))).isEqualTo("t29");
            // A client that never learned the outcome of sequence 21 resends it after the restart: the cached
            // answer comes back (restored from the snapshot's session table) and nothing is applied twice.
            ClientSession resumed = again.resumeSession(sessionId, 21);
            assertThat(text(resumed.submit(append("log", "X")).get(10, TimeUnit.SECONDS))).isEqualTo(expected);
            String log = text(again.query(get("log")).get(10, TimeUnit.SECONDS));
            assertThat(log.indexOf("X")).isEqualTo(log.lastIndexOf("X"));
            for (String id : THREE) {
                RaftNode n = c.nodes.get(id);
                await().atMost(WAIT).untilAsserted(() ->
                        assertThat(c.machines.get(id).value("log")).isEqualTo(log));
                assertThat(n.lastApplied()).isGreaterThan(snapshotIndex);
            }
        }
    }

    @Test
    void aFollowerThatWasDownCatchesUpThroughInstallSnapshotAndServesLinearizableReads() throws Exception {
        RaftOptions.Builder tuning = RaftOptions.builder().snapshotLogEntries(50).snapshotTrailingEntries(5)
                .snapshotChunkBytes(512);
        try (InProcessCluster c = new InProcessCluster(THREE, tuning)) {
            RaftNode leader = c.awaitLeader();
            String lagging = c.follower().id();
            c.stop(lagging);
            writeAll(leader, 0, 500, "v"); // ten times the trigger
            await().atMost(WAIT).until(() -> c.logs.get(leader.id()).snapshotIndex() > 400);
            RaftNode back = c.start(lagging);
            await().atMost(WAIT).until(() -> back.lastApplied() >= 500);
            assertThat(c.snapshots.get(lagging).latest()).isPresent();
            assertThat(c.logs.get(lagging).snapshotIndex()).isGreaterThan(400);
            // Installed, not replayed: the entries before the leader's snapshot never reached this server.
            assertThat(c.machines.get(lagging).applies()).isLessThan(200);
            for (int k = 0; k < 50; k++) {
                assertThat(text(back.query(get("k" + k)).get(10, TimeUnit.SECONDS))).isEqualTo("v" + (450 + k));
            }
            leader.submit(put("k0", "after")).get(10, TimeUnit.SECONDS);
            assertThat(text(back.query(get("k0")).get(10, TimeUnit.SECONDS))).isEqualTo("after");
        }
    }

    @Test
    void anInterruptedTransferResumesWhereItStopped() throws Exception {
        RaftOptions.Builder tuning = RaftOptions.builder().snapshotTrailingEntries(0).snapshotChunkBytes(256);
        try (InProcessCluster c = new InProcessCluster(THREE, tuning)) {
            RaftNode leader = c.awaitLeader();
            String lagging = c.follower().id();
            c.stop(lagging);
            String filler = "x".repeat(100);
            writeAll(leader, 0, 200, filler);
            leader.snapshot().get(10, TimeUnit.SECONDS);
            // Chunks to the lagging server: four go through, then the link breaks.
            AtomicInteger chunks = new AtomicInteger();
            AtomicBoolean broken = new AtomicBoolean();
            List<Long> delivered = new CopyOnWriteArrayList<>();
            c.network.filterForwards((from, to, request, deliver) -> {
                if (request instanceof ForwardRequest.InstallSnapshotChunk chunk && to.equals(lagging)) {
                    if (chunks.incrementAndGet() == 5) {
                        broken.set(true);
                    }
                    if (broken.get()) {
                        return CompletableFuture.failedFuture(new TransportException("link down"));
                    }
                    delivered.add(chunk.offset());
                }
                return deliver.apply(request);
            });
            c.start(lagging);
            await().atMost(WAIT).until(() -> chunks.get() >= 8);
            // The follower restarts with a quarter of the snapshot received; the link is back.
            c.stop(lagging);
            broken.set(false);
            RaftNode back = c.start(lagging);
            await().atMost(WAIT).until(() -> back.lastApplied() >= leader.lastApplied());
            // The new transfer asked where to start and went on from the fifth chunk: the store resumed the
            // unfinished snapshot, and no chunk already received was sent again.
            assertThat(c.snapshots.get(lagging).resumedAt()).containsExactly(4L * 256);
            assertThat(delivered.stream().filter(o -> o > 0 && o < 4 * 256)).containsExactly(256L, 512L, 768L);
            assertThat(c.snapshots.get(lagging).latest().orElseThrow().size()).isGreaterThan(16 * 256);
            assertThat(text(back.query(get("k49")).get(10, TimeUnit.SECONDS))).isEqualTo(filler + 199);
        }
    }

    @Test
    void aCorruptedChunkIsRefusedWithAClearErrorAndTheTransferGoesOn() throws Exception {
        RaftOptions.Builder tuning = RaftOptions.builder().snapshotTrailingEntries(0).snapshotChunkBytes(256);
        try (InProcessCluster c = new InProcessCluster(THREE, tuning)) {
            RaftNode leader = c.awaitLeader();
            String lagging = c.follower().id();
            c.stop(lagging);
            writeAll(leader, 0, 100, "v");
            leader.snapshot().get(10, TimeUnit.SECONDS);
            AtomicBoolean corrupted = new AtomicBoolean();
            List<ForwardResponse> refusals = new CopyOnWriteArrayList<>();
            c.network.filterForwards((from, to, request, deliver) -> {
                if (request instanceof ForwardRequest.InstallSnapshotChunk chunk && to.equals(lagging)
                        && chunk.offset() > 0 && corrupted.compareAndSet(false, true)) {
                    byte[] damaged = chunk.data().clone();
                    damaged[damaged.length / 2] ^= 0x40; // a bit flipped on the way; the checksum is the sender's
                    ForwardRequest bad = new ForwardRequest.InstallSnapshotChunk(chunk.term(), chunk.leaderId(),
                            chunk.snapshot(), chunk.totalBytes(), chunk.totalCrc32c(), chunk.offset(), damaged,
                            chunk.chunkCrc32c(), chunk.last());
                    return deliver.apply(bad).whenComplete((r, e) -> refusals.add(r));
                }
                return deliver.apply(request);
            });
            RaftNode back = c.start(lagging);
            await().atMost(WAIT).until(() -> back.lastApplied() >= leader.lastApplied());
            assertThat(refusals).singleElement().isInstanceOfSatisfying(ForwardResponse.Failed.class, f ->
                    assertThat(f.message()).contains("CRC32C").contains("refused").contains("offset"));
            for (int k = 0; k < 50; k++) {
                assertThat(text(back.query(get("k" + k)).get(10, TimeUnit.SECONDS))).isEqualTo("v" + (50 + k));
            }
        }
    }

    @Test
    void theLogStaysAroundTheTriggerUnderContinuousWrites() throws Exception {
        RaftOptions.Builder tuning = RaftOptions.builder().snapshotLogEntries(200).snapshotTrailingEntries(20);
        try (InProcessCluster c = new InProcessCluster(THREE, tuning)) {
            RaftNode leader = c.awaitLeader();
            for (int round = 0; round < 40; round++) {
                writeAll(leader, round * 100, round * 100 + 100, "v");
                // 4,000 entries in all. While writes go on, a log holds the trigger plus the margin plus what
                // arrived while a snapshot was being written — how much depends on how busy the machine is, so
                // each round only waits for every log to be far below everything written: compaction keeps up.
                await().atMost(WAIT).until(() -> c.logs.values().stream().allMatch(log -> log.size() < 1_000));
            }
            // Once writes stop, each log settles at about the trigger plus the margin.
            await().atMost(WAIT).until(() -> c.logs.values().stream().allMatch(log -> log.size() < 200 + 20 + 100));
            assertThat(c.snapshots.get(leader.id()).commits()).isGreaterThanOrEqualTo(15);
        }
    }

    /** State kept "on its own disk": the same instance survives a restart and says how far it got. */
    private static final class OwnDurableState implements io.keelraft.core.StateMachine {
        final KeyValueStateMachine inner = new KeyValueStateMachine();
        volatile long applied;
        final AtomicInteger restores = new AtomicInteger();

        @Override
        public byte[] apply(long index, byte[] command) {
            byte[] result = inner.apply(index, command); // throws when an entry is applied twice
            applied = index;
            return result;
        }

        @Override
        public byte[] query(byte[] query) {
            return inner.query(query);
        }

        @Override
        public Snapshot snapshot() {
            return inner.snapshot();
        }

        @Override
        public void restore(java.io.InputStream in) throws java.io.IOException {
            restores.incrementAndGet();
            inner.restore(in);
        }

        @Override
        public long lastAppliedAtStart() {
            return applied;
        }
    }

    @Test
    void aStateMachineThatKeptItsOwnStateIsNotRestoredAndReplaysOnlyWhatItLacks() throws Exception {
        LocalNetwork network = new LocalNetwork();
        InMemoryLogStore log = new InMemoryLogStore("n1");
        InMemoryMetaStore meta = new InMemoryMetaStore();
        io.keelraft.testkit.memory.InMemorySnapshotStore snapshots =
                new io.keelraft.testkit.memory.InMemorySnapshotStore(2);
        OwnDurableState state = new OwnDurableState();
        RaftOptions options = RaftOptions.builder().electionTimeout(Duration.ofMillis(300))
                .heartbeatInterval(Duration.ofMillis(30)).snapshotTrailingEntries(0).build();
        long snapshotIndex;
        try (RaftNode node = RaftNode.builder().id("n1").members(Map.of("n1", "local:n1"))
                .stores(log, meta, snapshots).transport(network.transport("n1")).stateMachine(state)
                .options(options).build().start()) {
            await().atMost(WAIT).until(() -> node.role() == io.keelraft.core.Role.LEADER);
            writeAll(node, 0, 30, "a");
            snapshotIndex = node.snapshot().get(10, TimeUnit.SECONDS).index();
            writeAll(node, 30, 45, "b");
        }
        long before = state.applied;
        try (RaftNode node = RaftNode.builder().id("n1").members(Map.of("n1", "local:n1"))
                .stores(log.reopen(), meta, snapshots).transport(network.transport("n1")).stateMachine(state)
                .options(options).build().start()) {
            await().atMost(WAIT).until(() -> node.role() == io.keelraft.core.Role.LEADER);
            node.submit(put("k0", "after")).get(10, TimeUnit.SECONDS);
            assertThat(state.restores).hasValue(0);
            assertThat(before).isGreaterThan(snapshotIndex);
            assertThat(text(node.query(get("k44")).get(10, TimeUnit.SECONDS))).isEqualTo("b44");
            assertThat(text(node.query(get("k0")).get(10, TimeUnit.SECONDS))).isEqualTo("after");
            assertThat(node.terminated()).isNotDone();
        }
    }

    /**
     * Issue 16: a transfer whose every chunk fails at once (no connection to the follower) used to be retried at
     * the rate of proposals, with a log line each time. Now the leader waits a backoff delay per follower, from a
     * heartbeat interval (30 ms here) doubling to an election timeout (300 ms), before it tries again.
     */
    @Test
    void aTransferThatKeepsFailingIsRetriedWithBackoffAndCompletesOnceTheLinkIsBack() throws Exception {
        RaftOptions.Builder tuning = RaftOptions.builder().snapshotTrailingEntries(0).snapshotChunkBytes(256);
        try (InProcessCluster c = new InProcessCluster(THREE, tuning)) {
            RaftNode leader = c.awaitLeader();
            String lagging = c.follower().id();
            c.stop(lagging);
            writeAll(leader, 0, 100, "v");
            leader.snapshot().get(10, TimeUnit.SECONDS);
            AtomicInteger attempts = new AtomicInteger();
            AtomicBoolean broken = new AtomicBoolean(true);
            c.network.filterForwards((from, to, request, deliver) -> {
                if (request instanceof ForwardRequest.InstallSnapshotChunk && to.equals(lagging) && broken.get()) {
                    attempts.incrementAndGet();
                    return CompletableFuture.failedFuture(new TransportException("no connection"));
                }
                return deliver.apply(request);
            });
            c.start(lagging);
            await().atMost(WAIT).until(() -> attempts.get() >= 1);
            // Two seconds of steady writes: each proposal used to start another transfer at once.
            long start = System.nanoTime();
            int written = 100;
            while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2)) {
                writeAll(leader, written, written + 5, "v");
                written += 5;
            }
            int during = attempts.get();
            // 2 s / 300 ms with jitter, plus the first doublings: about a dozen; without backoff, hundreds or more.
            assertThat(during).isBetween(2, 30);
            broken.set(false);
            long last = leader.lastApplied();
            RaftNode back = c.nodes.get(lagging);
            await().atMost(WAIT).until(() -> back.lastApplied() >= last);
        }
    }
}
