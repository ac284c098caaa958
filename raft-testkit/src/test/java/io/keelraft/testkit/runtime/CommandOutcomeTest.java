package io.keelraft.testkit.runtime;

import static io.keelraft.testkit.memory.KeyValueStateMachine.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.ClientSession;
import io.keelraft.core.NotLeaderException;
import io.keelraft.core.OutcomeUnknownException;
import io.keelraft.core.RaftException;
import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.RaftTimeoutException;
import io.keelraft.core.Role;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.TransportException;
import io.keelraft.testkit.memory.InMemoryLogStore;
import io.keelraft.testkit.memory.InMemoryMetaStore;
import io.keelraft.testkit.memory.KeyValueStateMachine;
import io.keelraft.testkit.memory.LocalNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A failed command says whether it may have taken effect ({@link RaftException#mayHaveTakenEffect()}), on real
 * nodes: an uncertain outcome is never reported as certain, and a certain refusal is reported as such.
 */
class CommandOutcomeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final List<RaftNode> started = new ArrayList<>();
    private final LocalNetwork network = new LocalNetwork();

    @AfterEach
    void close() {
        started.forEach(RaftNode::close);
    }

    private RaftNode node(String id, Map<String, String> members, RaftOptions options) {
        RaftNode n = RaftNode.builder().id(id).members(members).stores(new InMemoryLogStore(id), new InMemoryMetaStore())
                .transport(network.transport(id)).stateMachine(new KeyValueStateMachine()).options(options).build()
                .start();
        started.add(n);
        return n;
    }

    private static Map<String, String> members(String... ids) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String id : ids) {
            m.put(id, "local:" + id);
        }
        return m;
    }

    private static RaftOptions options(Duration election, Duration request) {
        return RaftOptions.builder().electionTimeout(election).heartbeatInterval(Duration.ofMillis(30))
                .requestTimeout(request).build();
    }

    private static Throwable failureOf(CompletableFuture<?> f) {
        await().atMost(WAIT).until(f::isDone);
        Throwable e = f.handle((r, t) -> t).join();
        assertThat(e).as("the command should have failed").isNotNull();
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    /** Three servers; n1 leads (its election timer is much shorter); the others wait {@code followerRequest}. */
    private List<RaftNode> clusterLedByN1(Duration leaderRequest, Duration followerRequest) {
        Map<String, String> members = members("n1", "n2", "n3");
        RaftNode n1 = node("n1", members, options(Duration.ofMillis(150), leaderRequest));
        RaftNode n2 = node("n2", members, options(Duration.ofSeconds(2), followerRequest));
        RaftNode n3 = node("n3", members, options(Duration.ofSeconds(2), followerRequest));
        await().atMost(WAIT).until(() -> started.stream().anyMatch(n -> n.role() == Role.LEADER));
        if (n1.role() != Role.LEADER) {
            started.stream().filter(n -> n.role() == Role.LEADER).findFirst().orElseThrow().transferLeadership("n1");
        }
        await().atMost(WAIT).until(() -> n1.role() == Role.LEADER && "n1".equals(n2.leaderId()));
        return List.of(n1, n2, n3);
    }

    @Test
    void aCommandThatTimedOutAfterItWasAppendedMayHaveTakenEffect() {
        List<RaftNode> nodes = clusterLedByN1(Duration.ofSeconds(1), Duration.ofSeconds(1));
        network.isolate("n2");
        network.isolate("n3"); // the leader appends but can commit nothing
        Throwable e = failureOf(nodes.get(0).submit(put("k", "v")));
        assertThat(e).isInstanceOf(RaftTimeoutException.class);
        assertThat(((RaftException) e).mayHaveTakenEffect()).isTrue();
    }

    @Test
    void aServerThatKnowsNoLeaderRefusesCertainly() {
        // n2 and n3 never start: n1 is never elected and never forwards. The command waits for a leader for the
        // request timeout (less two ticks), then is refused: certain, it went nowhere.
        RaftNode n1 = node("n1", members("n1", "n2", "n3"), options(Duration.ofMillis(150), Duration.ofSeconds(5)));
        Throwable e = failureOf(n1.submit(put("k", "v")));
        assertThat(e).isInstanceOf(NotLeaderException.class);
        assertThat(((NotLeaderException) e).leaderId()).isNull();
        assertThat(((RaftException) e).mayHaveTakenEffect()).isFalse();
    }

    @Test
    void aCommandRefusedDuringALeadershipTransferIsCertainAndNamesTheTransferee() {
        List<RaftNode> nodes = clusterLedByN1(Duration.ofSeconds(5), Duration.ofSeconds(5));
        network.isolate("n3"); // the transfer cannot finish: it stays in progress for an election timeout
        nodes.get(0).transferLeadership("n3");
        Throwable e = failureOf(nodes.get(0).submit(put("k", "v")));
        assertThat(e).isInstanceOfSatisfying(NotLeaderException.class,
                nl -> assertThat(nl.leaderId()).isEqualTo("n3"));
        assertThat(((RaftException) e).mayHaveTakenEffect()).isFalse();
    }

    @Test
    void aForwardTheLeaderTimedOutOnHasAnUnknownOutcome() {
        // The follower waits longer than the leader, so the leader's own answer is what it reports.
        List<RaftNode> nodes = clusterLedByN1(Duration.ofSeconds(1), Duration.ofSeconds(10));
        network.filterForwards((from, to, request, deliver) -> {
            if (request instanceof ForwardRequest.Submit) {
                network.isolate("n1"); // the leader appends the command and can replicate it nowhere
            }
            return deliver.apply(request);
        });
        Throwable e = failureOf(nodes.get(1).submit(put("k", "v")));
        assertThat(e).isInstanceOf(RaftTimeoutException.class).hasMessageContaining("on server n1");
        assertThat(((RaftException) e).mayHaveTakenEffect()).isTrue();
    }

    @Test
    void aForwardThatNeverLeftTheFollowerCertainlyDidNotTakeEffect() {
        List<RaftNode> nodes = clusterLedByN1(Duration.ofSeconds(5), Duration.ofSeconds(5));
        network.filterForwards((from, to, request, deliver) -> request instanceof ForwardRequest.Submit
                ? CompletableFuture.failedFuture(TransportException.notSent("no connection to peer " + to))
                : deliver.apply(request));
        Throwable e = failureOf(nodes.get(1).submit(put("k", "v")));
        assertThat(e).hasMessageContaining("no connection to peer n1");
        assertThat(((RaftException) e).mayHaveTakenEffect()).isFalse();
    }

    @Test
    void aForwardThatMayHaveReachedTheLeaderHasAnUnknownOutcome() {
        List<RaftNode> nodes = clusterLedByN1(Duration.ofSeconds(5), Duration.ofSeconds(5));
        network.filterForwards((from, to, request, deliver) -> request instanceof ForwardRequest.Submit
                ? deliver.apply(request).thenCompose(answer -> CompletableFuture.<ForwardResponse>failedFuture(
                        new TransportException("the connection to peer " + to + " closed")))
                : deliver.apply(request));
        Throwable e = failureOf(nodes.get(1).submit(put("k", "v")));
        assertThat(e).hasMessageContaining("closed");
        assertThat(((RaftException) e).mayHaveTakenEffect()).isTrue();
    }

    @Test
    void aSessionCommandWhoseEarlierTryMayHaveTakenEffectNeverEndsCertain() throws Exception {
        List<RaftNode> nodes = clusterLedByN1(Duration.ofSeconds(5), Duration.ofSeconds(5));
        ClientSession session = nodes.get(1).openSession().get();
        AtomicInteger tries = new AtomicInteger();
        network.filterForwards((from, to, request, deliver) -> {
            if (!(request instanceof ForwardRequest.Submit)) {
                return deliver.apply(request);
            }
            // The first try reaches the leader (and is applied) but its answer is lost; every later try is
            // refused before it leaves: certain for that try alone.
            return tries.incrementAndGet() == 1
                    ? deliver.apply(request).thenCompose(answer -> CompletableFuture.<ForwardResponse>failedFuture(
                            new TransportException("the connection to peer " + to + " closed")))
                    : CompletableFuture.failedFuture(TransportException.notSent("no connection to peer " + to));
        });
        Throwable e = failureOf(session.submit(put("k", "v")));
        assertThat(tries.get()).isGreaterThan(1);
        assertThat(e).isInstanceOf(OutcomeUnknownException.class).hasMessageContaining("earlier attempt");
        assertThat(RaftException.failureMayHaveTakenEffect(e)).isTrue();
    }
}
