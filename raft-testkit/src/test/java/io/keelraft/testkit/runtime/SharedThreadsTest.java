package io.keelraft.testkit.runtime;

import static io.keelraft.testkit.memory.KeyValueStateMachine.get;
import static io.keelraft.testkit.memory.KeyValueStateMachine.put;
import static io.keelraft.testkit.memory.KeyValueStateMachine.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.Role;
import io.keelraft.core.runtime.SharedThreads;
import io.keelraft.testkit.memory.InMemoryLogStore;
import io.keelraft.testkit.memory.InMemoryMetaStore;
import io.keelraft.testkit.memory.InMemorySnapshotStore;
import io.keelraft.testkit.memory.KeyValueStateMachine;
import io.keelraft.testkit.memory.LocalNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Groups are actors on shared loops: nine servers of three groups run on two raft loops and two workers, each
 * group elects, replicates and serves reads, the threads never grow with the groups, and closing one group
 * leaves the others running.
 */
class SharedThreadsTest {

    private static final int GROUPS = 3;
    private static final List<String> SERVERS = List.of("n1", "n2", "n3");

    @Test
    void manyGroupsRunOnAFixedNumberOfThreads() throws Exception {
        String prefix = "shared-" + Long.toHexString(System.nanoTime());
        RaftOptions options = RaftOptions.builder().electionTimeout(Duration.ofMillis(300))
                .heartbeatInterval(Duration.ofMillis(30)).build();
        Set<String> applyThreads = ConcurrentHashMap.newKeySet();
        List<Map<String, RaftNode>> groups = new ArrayList<>();
        try (SharedThreads threads = new SharedThreads(prefix, 2, 2)) {
            for (int g = 0; g < GROUPS; g++) {
                LocalNetwork network = new LocalNetwork();
                Map<String, String> members = new LinkedHashMap<>();
                SERVERS.forEach(id -> members.put(id, "local:" + id));
                Map<String, RaftNode> group = new LinkedHashMap<>();
                for (String id : SERVERS) {
                    RaftNode node = RaftNode.builder().id(id).members(members)
                            .stores(new InMemoryLogStore(id), new InMemoryMetaStore(), new InMemorySnapshotStore(2))
                            .transport(network.transport(id)).stateMachine(new KeyValueStateMachine())
                            .options(options).scheduler(threads.forGroup("g" + g + "-" + id)).build();
                    // Leader listeners run on the group's apply "thread": one of the shared workers.
                    node.addLeaderListener((leader, term) -> applyThreads.add(Thread.currentThread().getName()));
                    group.put(id, node.start());
                }
                groups.add(group);
            }

            for (int g = 0; g < GROUPS; g++) {
                RaftNode leader = awaitLeader(groups.get(g));
                List<CompletableFuture<byte[]>> writes = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    writes.add(leader.submit(put("k", "g" + g + "-v" + i)));
                }
                CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
                for (RaftNode node : groups.get(g).values()) {
                    assertThat(text(node.query(get("k")).get(10, TimeUnit.SECONDS))).isEqualTo("g" + g + "-v49");
                }
            }

            Set<String> keelThreads = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                    .filter(n -> n.startsWith(prefix)).collect(Collectors.toSet());
            assertThat(keelThreads).as("threads of nine servers in three groups")
                    .allMatch(n -> n.startsWith(prefix + "-loop-") || n.startsWith(prefix + "-worker-")
                            || n.equals(prefix + "-timer"))
                    .hasSizeLessThanOrEqualTo(5);
            assertThat(applyThreads).isNotEmpty().allMatch(n -> n.startsWith(prefix + "-worker-"));

            // Closing one group stops only its work: the others still commit.
            groups.get(0).values().forEach(RaftNode::close);
            for (int g = 1; g < GROUPS; g++) {
                RaftNode leader = awaitLeader(groups.get(g));
                assertThat(leader.submit(put("k", "after")).get(10, TimeUnit.SECONDS)).isNotNull();
            }
            for (int g = 1; g < GROUPS; g++) {
                groups.get(g).values().forEach(RaftNode::close);
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith(prefix) && t.isAlive()));
    }

    private static RaftNode awaitLeader(Map<String, RaftNode> group) {
        await().atMost(Duration.ofSeconds(20)).until(() -> group.values().stream()
                .anyMatch(n -> n.role() == Role.LEADER));
        return group.values().stream().filter(n -> n.role() == Role.LEADER).findFirst().orElseThrow();
    }
}
