package io.keelraft.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import io.keelraft.core.Role;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RESP server in this JVM over a real one-server Keel node (file log, Netty transport): commands, pipelining,
 * Redis-style errors, and bad input — garbage, an unterminated bulk string, a 1 GiB length prefix — which closes
 * that connection and nothing else.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RespServerTest {

    @TempDir
    static Path data;

    private RaftNode node;
    private RespServer server;
    private int port;

    @BeforeAll
    void start() {
        Map<String, String> members = Map.of("n1", "127.0.0.1:" + freePort());
        node = RaftNode.builder().id("n1").members(members).dataDirectory(data.resolve("n1"))
                .stateMachine(new KvStateMachine()).build().start();
        server = new RespServer(node, members, KvLimits.of(1024));
        port = server.start("127.0.0.1", 0).getPort();
        await().atMost(Duration.ofSeconds(30)).until(() -> node.role() == Role.LEADER);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
        if (node != null) {
            node.close();
        }
    }

    /**
     * A loopback port free now and below the kernel's ephemeral range (32768 and up on Linux), so that no
     * outbound connection — a server dialling a peer that is not listening yet — can take it first.
     */
    static int freePort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = java.util.concurrent.ThreadLocalRandom.current().nextInt(15_000, 32_000);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new UncheckedIOException(new IOException("no free port in [15000, 32000)"));
    }

    @Test
    void everyCommandAnswersAsRedisWould() throws IOException {
        try (RespClient c = new RespClient(port)) {
            assertThat(c.call("PING")).isEqualTo("PONG");
            assertThat(c.call("PING", "hi")).isEqualTo("hi");
            assertThat(c.call("ECHO", "e")).isEqualTo("e");
            assertThat(c.call("SET", "cmd:a", "1")).isEqualTo("OK");
            assertThat(c.call("SET", "cmd:a", "2", "NX")).isNull();
            assertThat(c.call("SET", "cmd:b", "2", "XX")).isNull();
            assertThat(c.call("GET", "cmd:a")).isEqualTo("1");
            assertThat(c.call("GET", "cmd:missing")).isNull();
            assertThat(c.call("INCR", "cmd:a")).isEqualTo(2L);
            assertThat(c.call("INCRBY", "cmd:a", "40")).isEqualTo(42L);
            assertThat(c.call("DECR", "cmd:a")).isEqualTo(41L);
            assertThat(c.call("MSET", "cmd:x", "X", "cmd:y", "Y")).isEqualTo("OK");
            assertThat(c.call("MGET", "cmd:x", "cmd:nope", "cmd:y")).isEqualTo(java.util.Arrays.asList("X", null, "Y"));
            assertThat(c.call("EXISTS", "cmd:x", "cmd:x", "cmd:nope")).isEqualTo(2L);
            assertThat(c.call("CAS", "cmd:x", "X", "X2")).isEqualTo(1L);
            assertThat(c.call("CAS", "cmd:x", "X", "X3")).isEqualTo(0L);
            assertThat(c.call("CAS", "cmd:never", "", "v")).isEqualTo(0L);
            assertThat(c.call("GET", "cmd:x")).isEqualTo("X2");
            assertThat(c.call("DEL", "cmd:x", "cmd:y", "cmd:nope")).isEqualTo(2L);
            assertThat(c.call("INCR", "cmd:b-is-absent-then-text")).isEqualTo(1L);
            c.call("SET", "cmd:text", "abc");
            assertThat(c.call("INCR", "cmd:text")).isEqualTo(new RespClient.Error(KvStateMachine.NOT_AN_INTEGER));
            assertThat(c.call("SELECT", "0")).isEqualTo("OK");
            assertThat(c.call("QUIT")).isEqualTo("OK");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void errorsAreRedisStyleAndApplyNothing() throws IOException {
        try (RespClient c = new RespClient(port)) {
            assertThat(c.call("FLUSHALL")).isEqualTo(new RespClient.Error("ERR unknown command 'FLUSHALL'"));
            assertThat(c.call("GET")).isEqualTo(new RespClient.Error("ERR wrong number of arguments for 'get' command"));
            assertThat(c.call("SET", "err:k", "x".repeat(1025)))
                    .isEqualTo(new RespClient.Error("ERR value exceeds max size 1024"));
            assertThat(c.call("MSET", "err:a", "1", "err:k", "x".repeat(1025))).isInstanceOf(RespClient.Error.class);
            assertThat(c.call("MGET", "err:k", "err:a")).isEqualTo(java.util.Arrays.asList(null, null));
            assertThat(c.call("RAFT.ADD", "n1", "127.0.0.1:1")).as("adding a member again")
                    .isInstanceOfSatisfying(RespClient.Error.class, e -> assertThat(e.message()).startsWith("ERR "));
            assertThat(c.call("PING")).isEqualTo("PONG"); // the connection goes on
        }
    }

    @Test
    void pipelinedCommandsAreAnsweredInOrderAndReadsSeeEarlierWrites() throws IOException {
        try (RespClient c = new RespClient(port)) {
            ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
            for (int i = 0; i < 200; i++) {
                pipeline.writeBytes(RespClient.encode("SET", "pipe:" + (i % 7), Integer.toString(i)));
                pipeline.writeBytes(RespClient.encode("GET", "pipe:" + (i % 7)));
                pipeline.writeBytes(RespClient.encode("INCR", "pipe:count"));
                pipeline.writeBytes(RespClient.encode("PING"));
            }
            c.send(pipeline.toByteArray());
            for (int i = 0; i < 200; i++) {
                assertThat(c.read()).isEqualTo("OK");
                assertThat(c.read()).isEqualTo(Integer.toString(i));
                assertThat(c.read()).isEqualTo((long) i + 1);
                assertThat(c.read()).isEqualTo("PONG");
            }
        }
    }

    @Test
    void handshakeCommandsOfRedisToolsAreAnswered() throws IOException {
        try (RespClient c = new RespClient(port)) {
            assertThat(c.call("CONFIG", "GET", "save")).isEqualTo(List.of("save", ""));
            assertThat(c.call("CONFIG", "GET", "appendonly")).isEqualTo(List.of("appendonly", "no"));
            assertThat(c.call("CONFIG", "GET", "maxmemory")).isEqualTo(List.of());
            assertThat(c.call("COMMAND", "DOCS")).isEqualTo(List.of());
            assertThat(c.call("CLIENT", "SETNAME", "me")).isEqualTo("OK");
            assertThat(c.call("CLIENT", "GETNAME")).isEqualTo("me");
            assertThat(c.call("CLIENT", "SETINFO", "lib-name", "x")).isEqualTo("OK");
            assertThat(asList(c.call("HELLO", "2"))).contains("proto", 2L);
            assertThat(c.call("HELLO", "3")).asString().contains("NOPROTO");
            c.send("PING\r\n".getBytes(StandardCharsets.US_ASCII)); // an inline command, as telnet sends it
            assertThat(c.read()).isEqualTo("PONG");
            List<Object> info = asList(c.call("RAFT.INFO"));
            assertThat(info).startsWith("id:n1", "role:leader").contains("leader:n1");
            assertThat(info).anyMatch(f -> ((String) f).matches("term:[1-9][0-9]*"))
                    .anyMatch(f -> ((String) f).matches("commitIndex:[1-9][0-9]*"))
                    .anyMatch(f -> ((String) f).matches("lastApplied:[1-9][0-9]*"))
                    .anyMatch(f -> ((String) f).matches("members:n1=127\\.0\\.0\\.1:[0-9]+"))
                    .contains("roles:n1=voter", "configuration:stable");
        }
    }

    @Test
    void garbageClosesOnlyThatConnection() throws IOException {
        Random random = new Random(42);
        for (int round = 0; round < 20; round++) {
            byte[] junk = new byte[1 + random.nextInt(4096)];
            random.nextBytes(junk);
            try (RespClient bad = new RespClient(port, 10_000)) {
                bad.send(junk);
                bad.shutdownOutput();
                assertThat(bad.closedByServer()).isTrue();
            }
        }
        assertServerStillServes();
    }

    @Test
    void anUnterminatedBulkStringIsDroppedWhenTheClientGoes() throws IOException {
        try (RespClient bad = new RespClient(port, 10_000)) {
            bad.send("*3\r\n$3\r\nSET\r\n$9\r\nhalf:done\r\n$100\r\nonly-some-of-the-bytes".getBytes(StandardCharsets.US_ASCII));
            bad.shutdownOutput();
            assertThat(bad.closedByServer()).isTrue();
        }
        assertServerStillServes();
        try (RespClient c = new RespClient(port)) {
            assertThat(c.call("EXISTS", "half:done")).isEqualTo(0L); // nothing half-applied
        }
    }

    @Test
    void aOneGibLengthPrefixIsRefusedWithoutBufferingIt() throws IOException {
        for (String header : new String[] {"*1\r\n$1073741824\r\n", "$1073741824\r\n", "*2147483647\r\n",
            "*2\r\n$3\r\nGET\r\n$5000000\r\n"}) {
            try (RespClient bad = new RespClient(port, 10_000)) {
                bad.send(header.getBytes(StandardCharsets.US_ASCII));
                Object reply = bad.read();
                assertThat(reply).as(header).isInstanceOf(RespClient.Error.class);
                assertThat(((RespClient.Error) reply).message()).startsWith("ERR Protocol error");
                assertThat(bad.closedByServer()).isTrue();
            }
        }
        assertServerStillServes();
    }

    @Test
    void aNestedArrayIsAProtocolError() throws IOException {
        try (RespClient bad = new RespClient(port, 10_000)) {
            bad.send("*2\r\n$3\r\nGET\r\n*1\r\n$1\r\nk\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(bad.read()).isInstanceOf(RespClient.Error.class);
        }
        assertServerStillServes();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asList(Object reply) {
        return (List<Object>) reply;
    }

    private void assertServerStillServes() throws IOException {
        try (RespClient c = new RespClient(port)) {
            assertThat(c.call("SET", "still", "here")).isEqualTo("OK");
            assertThat(c.call("GET", "still")).isEqualTo("here");
        }
    }
}
