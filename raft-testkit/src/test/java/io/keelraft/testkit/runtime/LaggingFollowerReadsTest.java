package io.keelraft.testkit.runtime;

import static io.keelraft.testkit.memory.KeyValueStateMachine.get;
import static io.keelraft.testkit.memory.KeyValueStateMachine.put;
import static io.keelraft.testkit.memory.KeyValueStateMachine.text;
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
 * A leader serves a follower that lags far behind from entries that are no longer in memory, and a restarted server
 * applies its committed entries again from "disk": those reads happen on the group's reader thread, never on its raft
 * loop (Ready.entriesToFetch).
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
            c.logs.forEach((id, log) -> assertThat(log.coldReadThreads()).as("cold reads on %s", id)
                    .allMatch(name -> name.equals("keel-" + id + "-reader")));
        }
    }

    @Test
    void aRestartedServerReadsTheCommittedEntriesItReappliesOffTheLoop() throws Exception {
        try (InProcessCluster c = new InProcessCluster(List.of("n1", "n2", "n3"), RaftOptions.builder())) {
            c.logs.values().forEach(log -> log.keepInMemory(20));
            RaftNode leader = c.awaitLeader();
            for (int i = 0; i < 300; i++) {
                leader.submit(put("k" + i, "v" + i)).get(10, TimeUnit.SECONDS);
            }
            String restarted = c.nodes.keySet().stream().filter(id -> !id.equals(leader.id())).findFirst()
                    .orElseThrow();
            await().atMost(Duration.ofSeconds(20)).until(() -> c.nodes.get(restarted).lastApplied()
                    >= leader.lastApplied());
            c.stop(restarted);
            int coldBefore = c.logs.get(restarted).coldReadThreads().size();

            // No snapshot: the state machine starts empty and every entry is applied again, most from "disk".
            RaftNode back = c.start(restarted);
            await().atMost(Duration.ofSeconds(20)).until(() -> back.lastApplied() >= leader.lastApplied());
            assertThat(text(c.machines.get(restarted).query(get("k299")))).isEqualTo("v299");
            List<String> cold = c.logs.get(restarted).coldReadThreads();
            // The thread that starts the server reads its configuration entries before the loop runs; after that,
            // only the reader.
            String starter = Thread.currentThread().getName();
            assertThat(cold.subList(coldBefore, cold.size())).as("threads that read the entries to apply again")
                    .contains("keel-" + restarted + "-reader")
                    .allMatch(name -> name.equals("keel-" + restarted + "-reader") || name.equals(starter));
        }
    }
}
