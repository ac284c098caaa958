package io.keelraft.testkit.runtime;

import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.Role;
import io.keelraft.testkit.memory.InMemoryLogStore;
import io.keelraft.testkit.memory.InMemoryMetaStore;
import io.keelraft.testkit.memory.InMemorySnapshotStore;
import io.keelraft.testkit.memory.KeyValueStateMachine;
import io.keelraft.testkit.memory.LocalNetwork;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Real {@link RaftNode}s on real threads, with in-memory stores and an in-process network. */
final class InProcessCluster implements AutoCloseable {

    final LocalNetwork network = new LocalNetwork();
    final Map<String, RaftNode> nodes = new LinkedHashMap<>();
    final Map<String, KeyValueStateMachine> machines = new LinkedHashMap<>();
    final Map<String, InMemoryLogStore> logs = new LinkedHashMap<>();
    final Map<String, InMemoryMetaStore> metas = new LinkedHashMap<>();
    final Map<String, InMemorySnapshotStore> snapshots = new LinkedHashMap<>();
    private final Map<String, String> members = new LinkedHashMap<>();
    private final RaftOptions options;

    InProcessCluster(List<String> ids, RaftOptions.Builder tuning) {
        this.options = tuning.electionTimeout(Duration.ofMillis(300)).heartbeatInterval(Duration.ofMillis(30)).build();
        for (String id : ids) {
            members.put(id, "local:" + id);
            logs.put(id, new InMemoryLogStore(id));
            metas.put(id, new InMemoryMetaStore());
            snapshots.put(id, new InMemorySnapshotStore(2));
        }
        for (String id : ids) {
            start(id);
        }
    }

    /** Starts (or restarts, keeping its durable state) server {@code id} with an empty state machine. */
    RaftNode start(String id) {
        KeyValueStateMachine sm = new KeyValueStateMachine();
        RaftNode node = RaftNode.builder().id(id).members(members).stores(logs.get(id).reopen(), metas.get(id), snapshots.get(id))
                .transport(network.transport(id)).stateMachine(sm).options(options).build().start();
        nodes.put(id, node);
        machines.put(id, sm);
        return node;
    }

    /** Stops server {@code id} (its stores keep what they hold). */
    void stop(String id) {
        nodes.remove(id).close();
        machines.remove(id);
    }

    RaftNode awaitLeader() {
        await().atMost(Duration.ofSeconds(20)).until(() -> leader() != null);
        return leader();
    }

    RaftNode leader() {
        RaftNode best = null;
        for (RaftNode n : nodes.values()) {
            if (n.role() == Role.LEADER && (best == null || n.term() > best.term())) {
                best = n;
            }
        }
        return best;
    }

    RaftNode follower() {
        RaftNode leader = awaitLeader();
        return nodes.values().stream().filter(n -> n != leader).findFirst().orElseThrow();
    }

    @Override
    public void close() {
        nodes.values().forEach(RaftNode::close);
    }
}
