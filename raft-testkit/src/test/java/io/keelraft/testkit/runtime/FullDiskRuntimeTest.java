package io.keelraft.testkit.runtime;

import static io.keelraft.testkit.memory.KeyValueStateMachine.get;
import static io.keelraft.testkit.memory.KeyValueStateMachine.put;
import static io.keelraft.testkit.memory.KeyValueStateMachine.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.Role;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * RaftNode rides a full disk through (issue 16): a leader whose log refuses appends steps down, the others go on,
 * and once the disk works again it writes what it missed — the same node object, no restart.
 */
class FullDiskRuntimeTest {

    @Test
    void aLeaderWithAFullDiskStepsDownAndRecoversWithoutARestart() throws Exception {
        try (InProcessCluster c = new InProcessCluster(List.of("n1", "n2", "n3"), RaftOptions.builder())) {
            RaftNode old = c.awaitLeader();
            old.submit(put("a", "1")).get(10, TimeUnit.SECONDS);
            c.logs.get(old.id()).simulateFullDisk(true);

            // Its next append fails: it steps down and reports why, and another server leads and takes writes.
            old.submit(put("b", "2")).handle((r, e) -> null);
            await().atMost(Duration.ofSeconds(20)).until(() -> old.status().get().storageProblem() != null);
            assertThat(old.status().get().storageProblem()).contains("No space left on device");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.leader() != null && c.leader() != old);
            RaftNode leader = c.leader();
            leader.submit(put("c", "3")).get(10, TimeUnit.SECONDS);
            assertThat(old.role()).isNotEqualTo(Role.LEADER);
            assertThat(old.terminated()).isNotDone();

            c.logs.get(old.id()).simulateFullDisk(false);
            leader.submit(put("d", "4")).get(10, TimeUnit.SECONDS);
            long applied = leader.lastApplied();
            await().atMost(Duration.ofSeconds(20)).until(() -> old.status().get().storageProblem() == null
                    && old.lastApplied() >= applied);
            assertThat(c.logs.get(old.id()).lastIndex()).isGreaterThanOrEqualTo(applied);
            assertThat(text(c.machines.get(old.id()).query(get("d")))).isEqualTo("4");
            assertThat(text(c.machines.get(old.id()).query(get("c")))).isEqualTo("3");
        }
    }

    /**
     * The leader's own write of an entry finishes late, after a later append was refused: that report says nothing
     * about the disk now, so the outage goes on (and is retried) until a write made after it succeeds.
     */
    @Test
    void aLateReportOfAnEarlierWriteDoesNotEndTheOutage() throws Exception {
        try (InProcessCluster c = new InProcessCluster(List.of("n1", "n2", "n3"), RaftOptions.builder())) {
            RaftNode old = c.awaitLeader();
            old.submit(put("a", "1")).get(10, TimeUnit.SECONDS);
            java.util.concurrent.CountDownLatch slowWrite = c.logs.get(old.id()).holdWriter();
            old.submit(put("b", "2")).get(10, TimeUnit.SECONDS); // committed by the followers; its own write waits
            c.logs.get(old.id()).simulateFullDisk(true);
            old.submit(put("c", "3")).handle((r, e) -> null);
            await().atMost(Duration.ofSeconds(20)).until(() -> old.status().get().storageProblem() != null);

            slowWrite.countDown(); // the write of "b" completes now, reported durable after the failure
            await().atMost(Duration.ofSeconds(20)).until(() -> c.leader() != null && c.leader() != old);
            assertThat(old.status().get().storageProblem()).as("still failing: only a newer write ends it")
                    .contains("No space left on device");

            c.logs.get(old.id()).simulateFullDisk(false);
            RaftNode leader = c.leader();
            leader.submit(put("d", "4")).get(10, TimeUnit.SECONDS);
            long applied = leader.lastApplied();
            await().atMost(Duration.ofSeconds(20)).until(() -> old.status().get().storageProblem() == null
                    && old.lastApplied() >= applied);
            assertThat(text(c.machines.get(old.id()).query(get("d")))).isEqualTo("4");
        }
    }
}
