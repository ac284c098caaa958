package io.keelraft.examples.counter;

import static org.assertj.core.api.Assertions.assertThat;
import static io.keelraft.examples.counter.LocalCluster.add;
import static io.keelraft.examples.counter.LocalCluster.total;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.ClientSession;
import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.ReadMode;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.spi.SnapshotFile;
import io.keelraft.storage.FileSnapshotStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots with everything real (file log and snapshot store with fsync, Netty on loopback): a follower that
 * was down while ten times the snapshot trigger was written comes back to a leader that has compacted away the
 * entries it lacks, is sent the leader's snapshot in chunks over the transport, installs it, and serves
 * linearizable reads with the right total (thesis chapter 5).
 */
class SnapshotClusterTest {

    private static final int TRIGGER = 100;

    @TempDir
    Path data;


    @Test
    void aFollowerDownWhileTenTriggersWereWrittenCatchesUpThroughInstallSnapshot() throws Exception {
        RaftOptions options = RaftOptions.builder().snapshotLogEntries(TRIGGER).snapshotTrailingEntries(10)
                .snapshotChunkBytes(4096).build();
        String down;
        try (LocalCluster cluster = new LocalCluster(data, List.of("n1", "n2", "n3"), options)) {
            RaftNode leader = cluster.awaitLeader();
            down = cluster.aFollower().id();
            cluster.stop(down);

            ClientSession session = leader.openSession().get(30, TimeUnit.SECONDS);
            long acknowledged = 0;
            for (int i = 1; i <= 10 * TRIGGER; i++) {
                acknowledged = total(session.submit(add(1)).get(30, TimeUnit.SECONDS));
            }
            assertThat(acknowledged).isEqualTo(10 * TRIGGER);
            // The leader snapshots on its own and compacts behind it (keeping 10 entries).
            SnapshotMeta taken = leader.snapshot().get(30, TimeUnit.SECONDS);
            assertThat(taken.index()).isGreaterThan(10L * TRIGGER);

            RaftNode back = cluster.start(down);
            await().atMost(Duration.ofSeconds(60)).until(() -> back.lastApplied() >= taken.index());
            assertThat(total(back.query(new byte[0], ReadMode.READ_INDEX).get(30, TimeUnit.SECONDS)))
                    .isEqualTo(acknowledged);
            cluster.stop(down);
        }
        // What it installed is on its disk: a complete snapshot covering what it never received as entries.
        try (FileSnapshotStore store = FileSnapshotStore.open(data.resolve(down).resolve("snapshots"), 2)) {
            Optional<SnapshotFile> latest = store.latest();
            assertThat(latest).isPresent();
            assertThat(latest.get().meta().index()).isGreaterThan(10L * TRIGGER);
        }
    }
}
