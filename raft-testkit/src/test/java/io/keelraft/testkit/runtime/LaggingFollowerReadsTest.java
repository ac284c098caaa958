package io.keelraft.testkit.runtime;

import static io.keelraft.testkit.memory.KeyValueStateMachine.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftOptions;
import io.keelraft.testkit.memory.InMemoryLogStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A leader serves a follower that lags far behind from entries that are no longer in memory: those reads happen on
 * the group's reader thread, never on its raft loop (Ready.entriesToFetch).
 */
class LaggingFollowerReadsTest {

    @Test
    void entriesOutsideTheCacheAreReadOffTheLoop() throws Exception {
        try (InProcessCluster c = new InProcessCluster(List.of("n1", "n2", "n3"), RaftOptions.builder())) {
            c.logs.values().forEach(log -> log.keepInMemory(20)); // like a file log's cache of recent entries
            RaftNode leader = c.awaitLeader();
            String lagging = c.nodes.keySet().stream().filter(id -> !id.equals(leader.id())).findFirst()
                    .orElseThrow();
            c.stop(lagging);
            for (int i = 0; i < 300; i++) {
                leader.submit(put("k" + i, "v" + i)).get(10, TimeUnit.SECONDS);
            }

            RaftNode back = c.start(lagging);
            await().atMost(Duration.ofSeconds(20)).until(() -> back.lastApplied() >= leader.lastApplied());

            InMemoryLogStore leaderLog = c.logs.get(leader.id());
            assertThat(leaderLog.coldReadThreads()).as("threads that read entries outside the cache")
                    .isNotEmpty()
                    .allMatch(name -> name.equals("keel-" + leader.id() + "-reader"));
        }
    }
}
