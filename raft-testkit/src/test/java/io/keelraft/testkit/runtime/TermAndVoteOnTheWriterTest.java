package io.keelraft.testkit.runtime;

import static io.keelraft.testkit.memory.KeyValueStateMachine.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Term and vote are made durable by the log store's writer, in the same group commit as the entries
 * ({@code LogStore.runInWriter}): no thread of its own, no hand-off, and the loop never saves them itself.
 */
class TermAndVoteOnTheWriterTest {

    @Test
    void everyTermAndVoteIsSavedOnTheServersLogWriter() throws Exception {
        try (InProcessCluster c = new InProcessCluster(List.of("n1", "n2", "n3"), RaftOptions.builder())) {
            RaftNode first = c.awaitLeader();
            first.submit(put("k", "v")).get(10, TimeUnit.SECONDS);
            // A second election: every server saves a new term, the candidate its own vote, the others theirs.
            String next = c.nodes.keySet().stream().filter(id -> !id.equals(first.id())).findFirst().orElseThrow();
            first.transferLeadership(next).get(10, TimeUnit.SECONDS);
            RaftNode second = c.awaitLeader();
            second.submit(put("k", "w")).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> c.metas.values().stream()
                    .allMatch(meta -> meta.load().currentTerm() == second.term()));

            c.metas.forEach((id, meta) -> {
                assertThat(meta.saveThreads()).as("threads that saved term/vote on %s", id)
                        .hasSizeGreaterThanOrEqualTo(2)
                        .allMatch(name -> name.equals("keel-memlog-" + id));
            });
        }
    }
}
