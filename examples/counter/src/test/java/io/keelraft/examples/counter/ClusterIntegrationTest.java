package io.keelraft.examples.counter;

import static org.assertj.core.api.Assertions.assertThat;
import static io.keelraft.examples.counter.LocalCluster.add;
import static io.keelraft.examples.counter.LocalCluster.total;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.ClientSession;
import io.keelraft.core.RaftNode;
import io.keelraft.core.ReadMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RaftNode with everything real: the segmented file log with fsync, the Netty transport on loopback, threads.
 * Three servers elect a leader, replicate, lose and regain their leader without losing an acknowledged write,
 * serve linearizable reads on every server, and apply a retried session command once.
 */
class ClusterIntegrationTest {

    @TempDir
    Path data;


    @Test
    void noAcknowledgedWriteIsLostWhenTheLeaderGoesAndComesBack() throws Exception {
        try (LocalCluster cluster = new LocalCluster(data, List.of("n1", "n2", "n3"))) {
            RaftNode leader = cluster.awaitLeader();
            ClientSession session = cluster.aFollower().openSession().get(30, TimeUnit.SECONDS);
            long acknowledged = 0;
            for (int i = 1; i <= 20; i++) {
                acknowledged = total(session.submit(add(i)).get(30, TimeUnit.SECONDS));
            }
            assertThat(acknowledged).isEqualTo(210);

            String old = leader.id();
            cluster.stop(old);
            RaftNode survivor = cluster.nodes.values().iterator().next();
            ClientSession again = survivor.openSession().get(30, TimeUnit.SECONDS);
            for (int i = 21; i <= 30; i++) {
                acknowledged = total(again.submit(add(i)).get(30, TimeUnit.SECONDS));
            }
            assertThat(acknowledged).isEqualTo(465);
            assertThat(cluster.awaitLeader().id()).isNotEqualTo(old);

            // The old leader restarts from its data directory and catches up; nothing acknowledged is missing.
            RaftNode back = cluster.start(old);
            await().atMost(Duration.ofSeconds(30)).until(() -> back.lastApplied() >= survivor.lastApplied()
                    && Counter.read(back) == 465);
            for (RaftNode n : cluster.nodes.values()) {
                assertThat(total(n.query(new byte[0]).get(30, TimeUnit.SECONDS))).isEqualTo(465);
            }
        }
    }

    @Test
    void readsOnEveryServerSeeEveryAcknowledgedWrite() throws Exception {
        try (LocalCluster cluster = new LocalCluster(data, List.of("n1", "n2", "n3"))) {
            cluster.awaitLeader();
            ClientSession session = cluster.awaitLeader().openSession().get(30, TimeUnit.SECONDS);
            for (int i = 1; i <= 10; i++) {
                long acknowledged = total(session.submit(add(1)).get(30, TimeUnit.SECONDS));
                // Linearizable: a read that starts after the write was acknowledged sees it, on any server.
                for (RaftNode n : cluster.nodes.values()) {
                    assertThat(total(n.query(new byte[0], ReadMode.READ_INDEX).get(30, TimeUnit.SECONDS)))
                            .as("ReadIndex read on %s", n.id()).isGreaterThanOrEqualTo(acknowledged);
                }
            }
        }
    }

    @Test
    void aRetriedCommandIsAppliedOnceAndAnsweredTwice() throws Exception {
        try (LocalCluster cluster = new LocalCluster(data, List.of("n1", "n2", "n3"))) {
            RaftNode leader = cluster.awaitLeader();
            ClientSession session = leader.openSession().get(30, TimeUnit.SECONDS);
            long seq = session.nextSequence();
            long first = total(session.submit(add(7)).get(30, TimeUnit.SECONDS));
            // The client never saw that answer and resends the same command, same session and sequence number,
            // through another server.
            ClientSession resumed = cluster.aFollower().resumeSession(session.id(), seq);
            long second = total(resumed.submit(add(7)).get(30, TimeUnit.SECONDS));
            assertThat(second).isEqualTo(first).isEqualTo(7);
            for (RaftNode n : cluster.nodes.values()) {
                assertThat(total(n.query(new byte[0]).get(30, TimeUnit.SECONDS))).as("applied once").isEqualTo(7);
            }
        }
    }
}
