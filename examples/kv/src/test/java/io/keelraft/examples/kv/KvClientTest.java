package io.keelraft.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import io.keelraft.core.Role;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KvClient} against three real KV nodes in this JVM (file log, Netty transport): it reaches the state
 * machine through the servers' Raft ports, given every member or only a follower.
 */
class KvClientTest {

    @TempDir
    Path data;

    private final Map<String, String> members = new LinkedHashMap<>();
    private final Map<String, RaftNode> nodes = new LinkedHashMap<>();
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void startCluster() {
        for (String id : List.of("n1", "n2", "n3")) {
            members.put(id, "127.0.0.1:" + RespServerTest.freePort());
        }
        for (String id : members.keySet()) {
            RaftNode n = RaftNode.builder().id(id).members(members).dataDirectory(data.resolve(id))
                    .stateMachine(new KvStateMachine()).build().start();
            open.add(n);
            nodes.put(id, n);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> leader() != null);
    }

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private RaftNode leader() {
        return nodes.values().stream().filter(n -> n.role() == Role.LEADER).findFirst().orElse(null);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void setGetDeleteAndIncrByRoundTripThroughEveryMember() throws Exception {
        try (KvClient kv = KvClient.connect(members)) {
            assertThat(kv.getAndWait("k")).isNull();
            kv.setAndWait("k", utf8("v1"));
            assertThat(kv.getAndWait("k")).isEqualTo(utf8("v1"));
            kv.setAndWait("k", utf8("v2"));
            assertThat(kv.getAndWait("k")).isEqualTo(utf8("v2"));

            assertThat(kv.deleteAndWait("k")).isTrue();
            assertThat(kv.getAndWait("k")).isNull();
            assertThat(kv.deleteAndWait("k")).isFalse();

            assertThat(kv.incrByAndWait("counter", 5)).isEqualTo(5);
            assertThat(kv.incrByAndWait("counter", -7)).isEqualTo(-2);
            assertThat(kv.getAndWait("counter")).isEqualTo(utf8("-2"));

            // The raw form the benchmark uses, and many writes in flight at once: applied in call order.
            byte[] rawKey = {0, (byte) 0xff, 'k'};
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                writes.add(kv.set(rawKey, utf8("value-" + i)));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertThat(kv.get(rawKey).get(30, TimeUnit.SECONDS)).isEqualTo(utf8("value-99"));
        }
    }

    @Test
    void anErrorReplyOfTheStateMachineBecomesAKvCommandException() throws Exception {
        try (KvClient kv = KvClient.connect(members)) {
            kv.setAndWait("text", utf8("not a number"));
            assertThatThrownBy(() -> kv.incrByAndWait("text", 1)).isInstanceOfSatisfying(KvCommandException.class,
                    e -> {
                        assertThat(e.getMessage()).isEqualTo(KvStateMachine.NOT_AN_INTEGER);
                        assertThat(e.code()).isEqualTo("ERR");
                    });
            assertThat(kv.getAndWait("text")).isEqualTo(utf8("not a number")); // unchanged

            kv.setAndWait("max", utf8(Long.toString(Long.MAX_VALUE)));
            assertThatThrownBy(() -> kv.incrBy("max", 1).get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(KvCommandException.class)
                    .cause().hasMessage(KvStateMachine.OVERFLOW);
        }
    }

    @Test
    void aClientGivenOnlyAFollowerFindsTheLeader() throws Exception {
        RaftNode leader = leader();
        String follower = nodes.entrySet().stream().filter(e -> e.getValue() != leader).findFirst().orElseThrow()
                .getKey();
        try (KvClient kv = KvClient.connect(Map.of(follower, members.get(follower)))) {
            kv.setAndWait("via-follower", utf8("v"));
            assertThat(kv.getAndWait("via-follower")).isEqualTo(utf8("v"));
            assertThat(kv.incrByAndWait("n", 3)).isEqualTo(3);
            assertThat(kv.deleteAndWait("via-follower")).isTrue();
            assertThat(kv.getAndWait("via-follower")).isNull();
        }
    }
}
