package io.keelraft.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import io.keelraft.core.Role;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What keeps clients from stopping a server: the client limit ({@link ClientSlots}, {@link RejectedClient}), the
 * idle timeout ({@link IdleClientCloser}), the descriptor budget and failed accepts ({@link AcceptErrors}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientLimitsTest {

    @TempDir
    static Path data;

    private RaftNode node;
    private RespServer server;
    private RespServer idleServer;
    private int port;
    private int idlePort;

    @BeforeAll
    void start() {
        Map<String, String> members = Map.of("n1", "127.0.0.1:" + RespServerTest.freePort());
        node = RaftNode.builder().id("n1").members(members).dataDirectory(data.resolve("n1"))
                .stateMachine(new KvStateMachine()).build().start();
        server = new RespServer(node, members, KvLimits.of(1024), new ClientSlots(3), Duration.ZERO);
        port = server.start("127.0.0.1", 0).getPort();
        idleServer = new RespServer(node, members, KvLimits.of(1024), new ClientSlots(10), Duration.ofMillis(500));
        idlePort = idleServer.start("127.0.0.1", 0).getPort();
        await().atMost(Duration.ofSeconds(30)).until(() -> node.role() == Role.LEADER);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
        if (idleServer != null) {
            idleServer.close();
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    void aClientPastTheLimitIsRefusedAndTheSlotComesBackWhenOneCloses() throws Exception {
        List<RespClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                RespClient c = new RespClient(port, 10_000);
                held.add(c);
                assertThat(c.call("PING")).isEqualTo("PONG");
            }
            try (RespClient over = new RespClient(port, 10_000)) {
                assertThat(over.read()).isEqualTo(new RespClient.Error("ERR max number of clients reached"));
                assertThat(over.closedByServer()).isTrue();
            }
            @SuppressWarnings("unchecked")
            List<Object> info = (List<Object>) held.get(0).call("RAFT.INFO");
            assertThat(info).contains("connected_clients:3", "max_clients:3");
            assertThat(info).anyMatch(line -> String.valueOf(line).matches("rejected_clients:[1-9]\\d*"));

            held.remove(0).close();
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
                try (RespClient again = new RespClient(port, 10_000)) {
                    assertThat(again.call("SET", "k", "v")).isEqualTo("OK");
                }
            });
        } finally {
            held.forEach(RespClient::close);
        }
    }

    @Test
    void anIdleClientIsClosedAndABusyOneIsNot() throws Exception {
        try (RespClient idle = new RespClient(idlePort, 10_000); RespClient busy = new RespClient(idlePort, 10_000)) {
            assertThat(idle.call("PING")).isEqualTo("PONG");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < until) { // four idle timeouts of traffic on the busy one
                assertThat(busy.call("SET", "busy", "yes")).isEqualTo("OK");
            }
            assertThat(idle.closedByServer()).isTrue();
            assertThat(busy.call("GET", "busy")).isEqualTo("yes");
        }
    }

    @Test
    void aCommandInFlightIsNotIdleness() {
        EmbeddedChannel client = new EmbeddedChannel(new IdleClientCloser(Duration.ofSeconds(1)));
        client.freezeTime();
        client.writeInbound("GET k"); // a command whose reply is still to come: a write waiting for an election
        client.advanceTimeBy(3, TimeUnit.SECONDS);
        client.runScheduledPendingTasks();
        assertThat(client.isOpen()).isTrue();

        client.writeOutbound("the reply");
        client.advanceTimeBy(1100, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertThat(client.isOpen()).isFalse();
        client.finishAndReleaseAll();
    }

    @Test
    void theClientLimitFitsTheDescriptorLimit() {
        assertThat(DescriptorBudget.clientsThatFit(10_000, null)).isEqualTo(10_000);
        assertThat(DescriptorBudget.clientsThatFit(10_000, new DescriptorBudget.Descriptors(1_048_576, 90)))
                .isEqualTo(10_000);
        assertThat(DescriptorBudget.clientsThatFit(10_000, new DescriptorBudget.Descriptors(1024, 90)))
                .isEqualTo(1024 - 90 - DescriptorBudget.RESERVED);
        assertThat(DescriptorBudget.clientsThatFit(10_000, new DescriptorBudget.Descriptors(300, 90))).isZero();
        assertThat(DescriptorBudget.ofThisProcess().max()).isPositive();
    }

    @Test
    void aFailedAcceptPausesAcceptingAndGoesNoFurther() {
        List<Throwable> reachedTheEnd = new ArrayList<>();
        EmbeddedChannel listener = new EmbeddedChannel(new AcceptErrors(Duration.ofMillis(100)),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        reachedTheEnd.add(cause);
                    }
                });
        listener.freezeTime();
        listener.pipeline().fireExceptionCaught(new SocketException("accept(..) failed: Too many open files"));
        assertThat(listener.config().isAutoRead()).isFalse();
        assertThat(reachedTheEnd).isEmpty();
        listener.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        listener.runScheduledPendingTasks();
        assertThat(listener.config().isAutoRead()).isTrue();

        IllegalStateException bug = new IllegalStateException("not an I/O error");
        listener.pipeline().fireExceptionCaught(bug);
        assertThat(reachedTheEnd).containsExactly(bug);
        listener.finishAndReleaseAll();
    }

    @Test
    void slotsCountWhatTheyRefuse() {
        ClientSlots slots = new ClientSlots(2);
        assertThat(slots.tryAcquire()).isTrue();
        assertThat(slots.tryAcquire()).isTrue();
        assertThat(slots.tryAcquire()).isFalse();
        slots.release();
        assertThat(slots.tryAcquire()).isTrue();
        assertThat(slots.connected()).isEqualTo(2);
        assertThat(slots.rejected()).isEqualTo(1);
    }
}
