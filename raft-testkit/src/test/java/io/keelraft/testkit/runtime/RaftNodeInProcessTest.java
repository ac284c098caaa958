package io.keelraft.testkit.runtime;

import static io.keelraft.testkit.memory.KeyValueStateMachine.get;
import static io.keelraft.testkit.memory.KeyValueStateMachine.put;
import static io.keelraft.testkit.memory.KeyValueStateMachine.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.ClientSession;
import io.keelraft.core.NodeStatus;
import io.keelraft.core.NotLeaderException;
import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.ReadMode;
import io.keelraft.core.ShutdownException;
import io.keelraft.core.Role;
import io.keelraft.testkit.memory.InMemoryLogStore;
import io.keelraft.testkit.memory.InMemoryMetaStore;
import io.keelraft.testkit.memory.KeyValueStateMachine;
import io.keelraft.testkit.memory.LocalNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The embeddable node on real threads: election, replication, reads, forwarding, sessions, shutdown. */
class RaftNodeInProcessTest {

    private static final List<String> THREE = List.of("n1", "n2", "n3");

    @Test
    void electsReplicatesAndAppliesEverywhere() throws Exception {
        try (InProcessCluster c = new InProcessCluster(THREE, RaftOptions.builder())) {
            RaftNode leader = c.awaitLeader();
            List<CompletableFuture<byte[]>> writes = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                writes.add(leader.submit(put("k" + (i % 10), "v" + i)));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                for (KeyValueStateMachine sm : c.machines.values()) {
                    assertThat(sm.applies()).isEqualTo(200);
                    assertThat(sm.value("k9")).isEqualTo("v199");
                }
            });
            NodeStatus status = leader.status().get(5, TimeUnit.SECONDS);
            assertThat(status.role()).isEqualTo(Role.LEADER);
            assertThat(status.matchIndexes()).hasSize(2);
        }
    }

    @Test
    void followersForwardCommandsAndServeLinearizableReads() throws Exception {
        try (InProcessCluster c = new InProcessCluster(THREE, RaftOptions.builder())) {
            RaftNode follower = c.follower();
            assertThat(text(follower.submit(put("x", "1")).get(10, TimeUnit.SECONDS))).isEqualTo("");
            // The submit completed only after this follower applied it, so a read here sees it.
            assertThat(c.machines.get(follower.id()).value("x")).isEqualTo("1");
            c.leader().submit(put("x", "2")).get(10, TimeUnit.SECONDS);
            // A read on the follower reflects the write acknowledged by the leader (ReadIndex from the leader).
            assertThat(text(follower.query(get("x")).get(10, TimeUnit.SECONDS))).isEqualTo("2");
            assertThat(text(c.leader().query(get("x")).get(10, TimeUnit.SECONDS))).isEqualTo("2");
            assertThat(text(c.leader().query(get("x"), ReadMode.LEASE).get(10, TimeUnit.SECONDS))).isEqualTo("2");
            // A stale local read answers from whatever this server applied, without asking anyone.
            assertThat(text(follower.query(get("x"), ReadMode.STALE_LOCAL).get(10, TimeUnit.SECONDS)))
                    .isIn("1", "2");
        }
    }

    @Test
    void withoutForwardingAFollowerNamesTheLeader() throws Exception {
        try (InProcessCluster c = new InProcessCluster(THREE, RaftOptions.builder().forwardToLeader(false))) {
            RaftNode leader = c.awaitLeader();
            RaftNode follower = c.follower();
            await().until(() -> leader.id().equals(follower.leaderId()));
            assertThatThrownBy(() -> follower.submit(put("a", "b")).get(5, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(NotLeaderException.class)
                    .hasMessageContaining("the leader is " + leader.id() + " at local:" + leader.id());
        }
    }

    @Test
    void noAcknowledgedWriteIsLostWhenTheLeaderIsCutOff() throws Exception {
        try (InProcessCluster c = new InProcessCluster(THREE, RaftOptions.builder())) {
            RaftNode old = c.awaitLeader();
            for (int i = 0; i < 20; i++) {
                old.submit(put("k", "v" + i)).get(10, TimeUnit.SECONDS);
            }
            c.network.isolate(old.id());
            await().atMost(Duration.ofSeconds(20)).until(() -> c.leader() != null && c.leader() != old
                    && c.leader().term() > old.term() - 1 && !c.leader().id().equals(old.id()));
            RaftNode fresh = c.nodes.values().stream()
                    .filter(n -> n != old && n.role() == Role.LEADER).findFirst().orElseThrow();
            assertThat(text(fresh.query(get("k")).get(10, TimeUnit.SECONDS))).isEqualTo("v19");
            fresh.submit(put("k", "after")).get(10, TimeUnit.SECONDS);
            c.network.heal(old.id());
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(c.machines.get(old.id()).value("k")).isEqualTo("after"));
        }
    }

    @Test
    void sessionCommandsFromAFollowerApplyOnceEachInOrder() throws Exception {
        try (InProcessCluster c = new InProcessCluster(THREE, RaftOptions.builder())) {
            RaftNode follower = c.follower();
            ClientSession session = follower.openSession().get(10, TimeUnit.SECONDS);
            ClientSession other = follower.openSession().get(10, TimeUnit.SECONDS);
            assertThat(other.id()).isNotEqualTo(session.id());
            List<CompletableFuture<byte[]>> pipelined = new ArrayList<>();
            for (String s : List.of("a", "b", "c", "d")) {
                pipelined.add(session.submit(KeyValueStateMachine.append("log", s)));
            }
            assertThat(text(pipelined.get(3).get(10, TimeUnit.SECONDS))).isEqualTo("abcd");
            await().untilAsserted(() -> {
                for (KeyValueStateMachine sm : c.machines.values()) {
                    assertThat(sm.value("log")).isEqualTo("abcd");
                    assertThat(sm.applies()).isEqualTo(4);
                }
            });
        }
    }

    /** An application that holds a session across an idle period longer than the session timeout keeps using it. */
    @Test
    void aSessionThatExpiredWhileIdleRenewsItselfAndAppliesTheCommandOnce() throws Exception {
        Duration timeout = Duration.ofMillis(300);
        try (InProcessCluster c = new InProcessCluster(THREE, RaftOptions.builder().sessionTimeout(timeout))) {
            RaftNode leader = c.awaitLeader();
            ClientSession session = leader.openSession().get(10, TimeUnit.SECONDS);
            long first = session.id();
            session.submit(KeyValueStateMachine.append("log", "a")).get(10, TimeUnit.SECONDS);
            // Idle past the timeout; the log's clock moves on with another client's command, expiring the session.
            long idleFrom = System.nanoTime();
            await().until(() -> System.nanoTime() - idleFrom > 2 * timeout.toNanos());
            leader.submit(put("other", "x")).get(10, TimeUnit.SECONDS);
            byte[] result = session.submit(KeyValueStateMachine.append("log", "b")).get(10, TimeUnit.SECONDS);
            assertThat(text(result)).isEqualTo("ab");
            assertThat(session.id()).as("a new session").isNotEqualTo(first);
            await().untilAsserted(() -> {
                for (KeyValueStateMachine sm : c.machines.values()) {
                    assertThat(sm.value("log")).isEqualTo("ab");
                }
            });
        }
    }

    @Test
    void aRetriedCommandIsAppliedOnceAndAnsweredTwiceWithTheSameResult() throws Exception {
        try (InProcessCluster c = new InProcessCluster(THREE, RaftOptions.builder())) {
            RaftNode leader = c.awaitLeader();
            ClientSession session = leader.openSession().get(10, TimeUnit.SECONDS);
            long seq = session.nextSequence();
            byte[] first = session.submit(KeyValueStateMachine.append("log", "x")).get(10, TimeUnit.SECONDS);
            // The client never saw that answer (say its server died) and resends the command elsewhere.
            ClientSession resumed = c.follower().resumeSession(session.id(), seq);
            byte[] second = resumed.submit(KeyValueStateMachine.append("log", "x")).get(10, TimeUnit.SECONDS);
            assertThat(text(second)).isEqualTo(text(first)).isEqualTo("x");
            await().untilAsserted(() -> {
                for (KeyValueStateMachine sm : c.machines.values()) {
                    assertThat(sm.value("log")).isEqualTo("x");
                    assertThat(sm.applies()).isEqualTo(1);
                }
            });
            assertThatThrownBy(() -> leader.resumeSession(0, 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("start at 1");
        }
    }

    @Test
    void closeFailsPendingWorkAndLaterCalls() throws Exception {
        InProcessCluster c = new InProcessCluster(THREE, RaftOptions.builder());
        CompletableFuture<Void> terminated = c.nodes.get("n1").terminated();
        RaftNode leader = c.awaitLeader();
        for (String id : THREE) {
            if (!id.equals(leader.id())) {
                c.network.isolate(id);
            }
        }
        CompletableFuture<byte[]> stuck = leader.submit(put("never", "committed"));
        c.close();
        assertThatThrownBy(() -> stuck.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(ShutdownException.class);
        assertThatThrownBy(() -> leader.submit(put("a", "b")).get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(ShutdownException.class);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("keel-" + leader.id() + "-"));
        assertThat(terminated).as("closing completes terminated() normally").isCompletedWithValue(null);
    }

    @Test
    void badArgumentsFailAtOnceWithTheLimit() {
        try (InProcessCluster c = new InProcessCluster(THREE, RaftOptions.builder().maxCommandBytes(16))) {
            RaftNode n = c.nodes.get("n1");
            assertThatThrownBy(() -> n.submit(null)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("must not be null");
            assertThatThrownBy(() -> n.submit(new byte[17])).hasMessageContaining("maxCommandBytes (16)");
        }
    }

    @Test
    void aBuilderMissingAPartSaysWhich() {
        LocalNetwork net = new LocalNetwork();
        assertThatThrownBy(() -> RaftNode.builder().members(Map.of("a", "h:1")).build())
                .hasMessageContaining("id(...) is required");
        assertThatThrownBy(() -> RaftNode.builder().id("b").members(Map.of("a", "h:1")).build())
                .hasMessageContaining("id b is not one of the members");
        assertThatThrownBy(() -> RaftNode.builder().id("a").members(Map.of("a", "h:1")).build())
                .hasMessageContaining("stateMachine(...) is required");
        assertThatThrownBy(() -> RaftNode.builder().id("a").members(Map.of("a", "h:1"))
                .stateMachine(new KeyValueStateMachine()).build())
                .hasMessageContaining("dataDirectory(...) or stores(...) is required");
        assertThatThrownBy(() -> RaftNode.builder().id("a").members(Map.of("a", "h:1"))
                .stateMachine(new KeyValueStateMachine())
                .stores(new InMemoryLogStore("a"), new InMemoryMetaStore()).build())
                .hasMessageContaining("raft-transport-netty");
        assertThat(net).isNotNull();
    }

    @Test
    void aStateMachineThatThrowsStopsTheServerNamingTheIndex() throws Exception {
        try (InProcessCluster c = new InProcessCluster(List.of("solo"), RaftOptions.builder())) {
            RaftNode solo = c.awaitLeader();
            CompletableFuture<byte[]> bad = solo.submit("NOT A COMMAND".getBytes());
            assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ShutdownException.class)
                    .hasMessageContaining("failed to apply entry 2");
            assertThatThrownBy(() -> solo.terminated().get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ShutdownException.class).hasMessageContaining("failed to apply entry 2");
        }
    }

    @Test
    void withoutALeaderSessionsAndTheirCommandsGiveUpWithinTheRequestTimeout() throws Exception {
        // The other two servers never start: this one can never be elected.
        RaftNode alone = RaftNode.builder().id("n1")
                .members(Map.of("n1", "local:n1", "n2", "local:n2", "n3", "local:n3"))
                .stores(new InMemoryLogStore("n1"), new InMemoryMetaStore())
                .transport(new LocalNetwork().transport("n1"))
                .stateMachine(new KeyValueStateMachine())
                .options(RaftOptions.builder().electionTimeout(Duration.ofMillis(300))
                        .heartbeatInterval(Duration.ofMillis(30)).requestTimeout(Duration.ofSeconds(1)).build())
                .build().start();
        try (alone) {
            // Retries stop at the 1 s request timeout (unbounded, 20 attempts with backoff took over 10 s).
            CompletableFuture<ClientSession> session = alone.openSession();
            assertThatThrownBy(() -> session.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(NotLeaderException.class);
            ClientSession resumed = alone.resumeSession(1, 1);
            assertThatThrownBy(() -> resumed.submit(put("k", "v")).get(5, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(NotLeaderException.class);
        }
    }
}
