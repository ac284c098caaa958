package io.keelraft.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.OverloadedException;
import io.keelraft.core.RaftException;
import io.keelraft.core.RaftNode;
import io.keelraft.core.RaftTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class RaftClientTest {

    private static byte[] number(long n) {
        return ByteBuffer.allocate(8).putLong(n).array();
    }

    private static List<Long> upTo(long n) {
        return LongStream.range(0, n).boxed().toList();
    }

    @Test
    void commandsAreAppliedExactlyOnceAndInOrderThroughALeaderFailover() throws Exception {
        try (TestCluster cluster = new TestCluster("n1", "n2", "n3");
             RaftClient client = RaftClient.builder().servers(cluster.members).maxInFlight(64)
                     .requestTimeout(Duration.ofSeconds(30)).build()) {
            RaftNode leader = cluster.awaitLeader();
            int total = 3_000;
            List<CompletableFuture<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                results.add(client.submit(number(i)));
                if (i == 1_000) {
                    // Mid-stream: the leader goes away with a window of commands in flight.
                    results.get(500).get(30, TimeUnit.SECONDS);
                    cluster.stop(leader.id());
                }
            }
            CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            // Each answer is the number of commands applied so far: every command was applied once, in order.
            for (int i = 0; i < total; i++) {
                assertThat(ByteBuffer.wrap(results.get(i).get()).getLong()).as("answer to command %d", i)
                        .isEqualTo(i + 1);
            }
            for (String id : cluster.nodes.keySet()) {
                await().atMost(Duration.ofSeconds(30)).until(() -> cluster.machines.get(id).applied.size() >= total);
                assertThat(cluster.machines.get(id).applied).as("applied on %s", id).isEqualTo(upTo(total));
            }
        }
    }

    /**
     * The first server the client tries refuses the connection (nothing listens there, as after a server stopped):
     * the requests waiting for that connection's handshake go to another server, and the session opens there.
     */
    @Test
    void aRequestSentToAServerThatRefusesTheConnectionGoesToAnother() throws Exception {
        try (TestCluster cluster = new TestCluster("n1", "n2", "n3")) {
            cluster.awaitLeader();
            List<String> servers = new ArrayList<>();
            servers.add("127.0.0.1:" + TestCluster.freePort()); // tried first: nothing listens there
            servers.addAll(cluster.members.values());
            try (RaftClient client = RaftClient.builder().servers(servers).requestTimeout(Duration.ofSeconds(20))
                    .build()) {
                for (int i = 0; i < 20; i++) {
                    assertThat(ByteBuffer.wrap(client.submit(number(i)).get(20, TimeUnit.SECONDS)).getLong())
                            .isEqualTo(i + 1);
                }
            }
        }
    }

    @Test
    void aClientThatKnowsOnlyAFollowerIsRedirectedToTheLeader() throws Exception {
        try (TestCluster cluster = new TestCluster("n1", "n2", "n3")) {
            RaftNode leader = cluster.awaitLeader();
            RaftNode follower = cluster.nodes.values().stream().filter(n -> n != leader).findFirst().orElseThrow();
            try (RaftClient client = RaftClient.builder().servers(cluster.addressOf(follower)).build()) {
                assertThat(ByteBuffer.wrap(client.submitAndWait(number(7))).getLong()).isEqualTo(1);
                assertThat(ByteBuffer.wrap(client.queryAndWait(new byte[0])).getLong()).isEqualTo(1);
            }
            assertThat(cluster.machines.get(leader.id()).applied).containsExactly(7L);
        }
    }

    @Test
    void aRequestWithoutAnAnswerFailsAtItsDeadlineSayingWhetherItMayHaveTakenEffect() throws Exception {
        try (TestCluster cluster = new TestCluster("n1", "n2", "n3")) {
            cluster.awaitLeader();
            try (RaftClient client = RaftClient.builder().servers(cluster.members)
                    .requestTimeout(Duration.ofMillis(800)).build()) {
                client.submitAndWait(number(1));
                // No quorum: nothing can commit.
                List<String> ids = new ArrayList<>(cluster.nodes.keySet());
                cluster.stop(ids.get(0));
                cluster.stop(ids.get(1));
                CompletableFuture<byte[]> command = client.submit(number(2));
                assertThatThrownBy(() -> command.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(RaftTimeoutException.class).hasMessageContaining("no answer within 800 ms");
                assertThat(RaftException.failureMayHaveTakenEffect(command.handle((r, e) -> e).get())).isTrue();
                assertThatThrownBy(() -> client.query(new byte[0]).get(10, TimeUnit.SECONDS))
                        .cause().isInstanceOf(RaftException.class);
            }
        }
    }

    @Test
    void theWindowBoundsRequestsOnTheWireAndTheQueueBoundsTheRest() throws Exception {
        try (TestCluster cluster = new TestCluster("n1", "n2", "n3");
             RaftClient client = RaftClient.builder().servers(cluster.members).maxInFlight(8).maxQueued(50)
                     .requestTimeout(Duration.ofSeconds(30)).build()) {
            RaftNode leader = cluster.awaitLeader();
            client.submitAndWait(number(-1));
            CountDownLatch gate = new CountDownLatch(1);
            cluster.machines.values().forEach(m -> m.gate = gate);
            long before = leader.status().get(10, TimeUnit.SECONDS).lastIndex();
            List<CompletableFuture<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < 58; i++) {
                results.add(client.submit(number(i)));
            }
            CompletableFuture<byte[]> overflow = client.submit(number(99));
            assertThatThrownBy(() -> overflow.get(10, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(OverloadedException.class);
            assertThat(RaftException.failureMayHaveTakenEffect(overflow.handle((r, e) -> e).get())).isFalse();
            // Eight commands reach the leader's log; the rest wait in the client while the apply thread is held.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    leader.status().get(10, TimeUnit.SECONDS).lastIndex()).isEqualTo(before + 8));
            assertThat(client.inFlight()).isEqualTo(8);
            assertThat(results).noneMatch(CompletableFuture::isDone);
            gate.countDown();
            CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            List<Long> expected = new ArrayList<>(List.of(-1L));
            expected.addAll(upTo(58));
            assertThat(cluster.machines.get(leader.id()).applied).isEqualTo(expected);
            assertThat(client.inFlight()).isZero();
        }
    }

    @Test
    void aConnectionCutInTheMiddleOfABatchLosesAndDuplicatesNothing() throws Exception {
        try (TestCluster cluster = new TestCluster("n1", "n2", "n3")) {
            RaftNode leader = cluster.awaitLeader();
            int port = Integer.parseInt(cluster.addressOf(leader).split(":")[1]);
            // The client knows only the proxy: after each cut it reconnects there and sends what is unanswered.
            try (CuttingProxy proxy = new CuttingProxy(port, List.of(3_001, 10_007, 25_013));
                 RaftClient client = RaftClient.builder().servers(proxy.address()).maxInFlight(64)
                         .requestTimeout(Duration.ofSeconds(30)).build()) {
                int total = 1_500;
                List<CompletableFuture<byte[]>> results = new ArrayList<>();
                for (int i = 0; i < total; i++) {
                    results.add(client.submit(number(i)));
                }
                CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                assertThat(proxy.cuts.get()).isEqualTo(3);
                for (int i = 0; i < total; i++) {
                    assertThat(ByteBuffer.wrap(results.get(i).get()).getLong()).isEqualTo(i + 1);
                }
                assertThat(cluster.machines.get(leader.id()).applied).isEqualTo(upTo(total));
            }
        }
    }
}
