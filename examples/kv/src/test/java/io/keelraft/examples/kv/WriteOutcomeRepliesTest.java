package io.keelraft.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over RESP, with real Keel nodes in this JVM (file log, Netty transport): a write whose outcome is unknown is
 * answered {@code UNKNOWN}, never {@code TRYAGAIN} (which Redis clients retry as "not applied"), and a write
 * that certainly did not take effect is answered {@code TRYAGAIN}.
 */
class WriteOutcomeRepliesTest {

    @TempDir
    Path data;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private RaftNode node(String id, Map<String, String> members, RaftOptions options) {
        RaftNode n = RaftNode.builder().id(id).members(members).dataDirectory(data.resolve(id)).options(options)
                .stateMachine(new KvStateMachine()).build().start();
        open.add(n);
        return n;
    }

    private int resp(RaftNode node, Map<String, String> members) {
        RespServer server = new RespServer(node, members, KvLimits.of(1024));
        open.add(server::close);
        return server.start("127.0.0.1", 0).getPort();
    }

    private static Map<String, String> members(String... ids) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String id : ids) {
            m.put(id, "127.0.0.1:" + RespServerTest.freePort());
        }
        return m;
    }

    @Test
    void aWriteTheLeaderAppendedButCouldNotCommitIsAnsweredUnknown() throws Exception {
        // A long election timeout keeps the leader leading (CheckQuorum) well past the short request timeout
        // after its only follower stops: the write is appended, then times out undecided.
        RaftOptions options = RaftOptions.builder().electionTimeout(Duration.ofSeconds(3))
                .heartbeatInterval(Duration.ofMillis(100)).requestTimeout(Duration.ofMillis(1500)).build();
        Map<String, String> members = members("n1", "n2");
        RaftNode n1 = node("n1", members, options);
        RaftNode n2 = node("n2", members, options);
        await().atMost(Duration.ofSeconds(30)).until(() -> n1.role() == Role.LEADER || n2.role() == Role.LEADER);
        RaftNode leader = n1.role() == Role.LEADER ? n1 : n2;
        RaftNode follower = leader == n1 ? n2 : n1;
        try (RespClient c = new RespClient(resp(leader, members))) {
            assertThat(c.call("SET", "k", "before")).isEqualTo("OK"); // the connection's session is open
            follower.close();
            Object reply = c.call("SET", "k", "after");
            assertThat(reply).isInstanceOfSatisfying(RespClient.Error.class, e -> assertThat(e.message())
                    .startsWith("UNKNOWN timed out, the command may or may not have been applied"));
        }
    }

    @Test
    void aWriteToAServerThatKnowsNoLeaderIsAnsweredTryAgain() throws Exception {
        RaftOptions options = RaftOptions.builder().electionTimeout(Duration.ofMillis(300))
                .heartbeatInterval(Duration.ofMillis(30)).requestTimeout(Duration.ofSeconds(1)).build();
        Map<String, String> members = members("n1", "n2");
        RaftNode n1 = node("n1", members, options); // n2 never starts: n1 is never elected
        try (RespClient c = new RespClient(resp(n1, members))) {
            assertThat(c.call("SET", "k", "v")).isEqualTo(new RespClient.Error("TRYAGAIN no leader elected yet"));
            assertThat(c.call("GET", "k")).isEqualTo(new RespClient.Error("TRYAGAIN no leader elected yet"));
        }
    }
}
