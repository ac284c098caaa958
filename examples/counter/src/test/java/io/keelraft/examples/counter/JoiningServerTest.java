package io.keelraft.examples.counter;

import io.keelraft.core.RaftOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.NotMemberException;
import io.keelraft.core.RaftNode;
import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import io.keelraft.core.runtime.RaftGroup;
import io.keelraft.core.runtime.RuntimeSettings;
import io.keelraft.core.runtime.ThreadScheduler;
import io.keelraft.storage.FileStorageProvider;
import io.keelraft.transport.netty.NettyTransportProvider;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server started with {@code RaftNode.Builder.joining()}, over the real Netty transport and file storage, is
 * reached by a leader it was never told about and replicates the log. Until the membership API exists, the
 * leader's side has the new server as a learner in its bootstrap configuration (a runtime built by hand), which
 * is what a leader that added it would have.
 */
@Timeout(120)
class JoiningServerTest {

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void aJoiningServerAcceptsTheLeaderAndReplicatesTheLog() throws Exception {
        Map<String, String> all = new LinkedHashMap<>();
        for (String id : List.of("n1", "n2", "n3", "n4")) {
            all.put(id, "127.0.0.1:" + LocalCluster.freePort());
        }
        ClusterConfiguration withLearner = new ClusterConfiguration(Set.of("n1", "n2", "n3"), Set.of("n4"), Set.of(),
                all);
        Map<String, RaftGroup> voters = new LinkedHashMap<>();
        for (String id : List.of("n1", "n2", "n3")) {
            voters.put(id, startVoter(id, withLearner, all));
        }
        // n4 knows only its own address: nothing of the cluster, not even who leads.
        Counter counter = new Counter();
        RaftNode n4 = RaftNode.builder().id("n4").joining().members(Map.of("n4", all.get("n4")))
                .dataDirectory(dir.resolve("n4")).stateMachine(counter).build().start();
        open.add(n4);

        await().atMost(Duration.ofSeconds(30)).until(() -> voters.values().stream()
                .anyMatch(r -> r.role() == Role.LEADER));
        RaftGroup leader = voters.values().stream().filter(r -> r.role() == Role.LEADER).findFirst().orElseThrow();
        long total = 0;
        for (int i = 1; i <= 20; i++) {
            total = ByteBuffer.wrap(leader.submitPlain(ByteBuffer.allocate(8).putLong(i).array())
                    .get(20, TimeUnit.SECONDS)).getLong();
        }
        assertThat(total).isEqualTo(210);
        long applied = leader.lastApplied();
        // Its answers reach the leader over the leader's own connection (it has no address for it), so the leader
        // sees it catch up and keeps replicating.
        await().atMost(Duration.ofSeconds(30)).until(() -> n4.lastApplied() >= applied);
        assertThat(n4.leaderId()).isEqualTo(leader.id());
        assertThat(n4.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n4.term()).isEqualTo(leader.term());
        // It learned the cluster id the first leader generated (from the first entry or the leader's handshake).
        assertThat(n4.clusterId()).isNotNull().isEqualTo(leader.clusterId());
        assertThat(leader.status().get(10, TimeUnit.SECONDS).matchIndexes().get("n4")).isGreaterThanOrEqualTo(applied);
        // The configuration never was in its log (it was the leader's bootstrap): it still waits to be added.
        assertThat(n4.status().get(10, TimeUnit.SECONDS).configuration().members()).isEmpty();

        // Not a member, it can serve neither commands nor reads: it says so at once (not after the 10 s request
        // timeout, retrying), naming the leader, and its session retries give up at once too.
        assertThatThrownBy(() -> n4.openSession().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(NotMemberException.class)
                .hasMessageContaining("not a member").hasMessageContaining("the leader " + leader.id());
        assertThatThrownBy(() -> n4.query(new byte[0]).get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(NotMemberException.class);
        assertThatThrownBy(() -> n4.resumeSession(1, 1).submit(new byte[8]).get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(NotMemberException.class);
    }

    private RaftGroup startVoter(String id, ClusterConfiguration bootstrap, Map<String, String> all) {
        FileStorageProvider storage = new FileStorageProvider();
        var log = storage.openLog(dir.resolve(id));
        var meta = storage.openMeta(dir.resolve(id));
        var transport = new NettyTransportProvider().create(null, id, all);
        ThreadScheduler scheduler = new ThreadScheduler("keel-" + id);
        RaftOptions options = RaftOptions.builder().heartbeatInterval(Duration.ofMillis(50))
                .electionTimeout(Duration.ofMillis(500)).requestTimeout(Duration.ofSeconds(20)).build();
        RuntimeSettings settings = new RuntimeSettings(id, options, bootstrap, all, null, null, null);
        RaftGroup runtime = new RaftGroup(settings, log, meta, null, transport, new Counter(), scheduler, null);
        runtime.start();
        open.add(runtime);
        return runtime;
    }
}
