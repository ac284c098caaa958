package io.keelraft.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One client must not be able to stop a server (issue 16): three keel-kv processes, one of them (n1) under a
 * descriptor limit of {@value #DESCRIPTOR_LIMIT} ({@code ulimit -n}) with {@code --max-clients} {@value #MAX_CLIENTS};
 * {@value #FLOOD} idle connections to its RESP port — more than its descriptor limit — are held open while a client
 * connected before the flood writes through n1 and takes a snapshot there. The connections past the limit are
 * answered {@code -ERR max number of clients reached} and closed, the writes are replicated to the other two, and
 * no process exits. Without the client limit, n1 runs out of descriptors: no connection is refused, its accepts fail
 * and so does anything that needs a new descriptor (the snapshot), which is what this test would then report.
 */
class KvClientFloodIT {

    private static final int DESCRIPTOR_LIMIT = 600;
    private static final int MAX_CLIENTS = 100;
    private static final int FLOOD = 700;
    private static final String REFUSED = "-ERR max number of clients reached";

    @TempDir
    Path dir;

    private final List<KvProcess> processes = new ArrayList<>();
    private final List<Socket> flood = new ArrayList<>();
    private final Map<String, Integer> respPorts = new LinkedHashMap<>();
    private final Map<String, String> members = new LinkedHashMap<>();

    @AfterEach
    void cleanUp() {
        flood.forEach(KvClientFloodIT::closeQuietly);
        processes.forEach(KvProcess::close);
    }

    @Test
    void aFloodOfConnectionsPastTheDescriptorLimitStopsNoServer() throws Exception {
        for (String id : List.of("n1", "n2", "n3")) {
            members.put(id, "127.0.0.1:" + RespServerTest.freePort());
            respPorts.put(id, RespServerTest.freePort());
        }
        String memberList = members.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
        for (String id : members.keySet()) {
            List<String> args = new ArrayList<>(List.of("--id", id, "--raft", members.get(id), "--resp",
                    "127.0.0.1:" + respPorts.get(id), "--data", dir.resolve(id).toString(), "--members", memberList));
            if (id.equals("n1")) {
                args.addAll(List.of("--max-clients", String.valueOf(MAX_CLIENTS)));
            }
            processes.add(new KvProcess(dir.resolve(id + ".stderr"), id.equals("n1") ? DESCRIPTOR_LIMIT : 0,
                    args.toArray(String[]::new)));
        }
        processes.forEach(KvProcess::awaitReady);
        KvProcess n1 = processes.get(0);

        try (RespClient client = new RespClient(respPorts.get("n1"), 20_000)) {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> "OK".equals(client.call("SET", "before", "flood")));
            System.out.println("SET through n1 before the flood: " + timeSets(client, "before-"));

            // The flood: connections held open and idle, more than n1 has descriptors.
            for (int i = 0; i < FLOOD; i++) {
                Socket s = new Socket();
                flood.add(s);
                s.connect(new InetSocketAddress("127.0.0.1", respPorts.get("n1")), 5_000);
            }
            // One slot is the writing client's: every flood connection past the others is refused (and only those).
            List<Socket> held = new ArrayList<>(flood);
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> {
                held.removeIf(KvClientFloodIT::refused);
                return held.size() <= MAX_CLIENTS - 1;
            });
            int refused = FLOOD - held.size();
            System.out.printf("n1 (ulimit -n %d, --max-clients %d): %d of %d flood connections refused%n",
                    DESCRIPTOR_LIMIT, MAX_CLIENTS, refused, FLOOD);
            assertThat(held).hasSize(MAX_CLIENTS - 1);

            // With the flood still holding its slots, n1 takes writes, and they reach the other servers.
            System.out.println("SET through n1 during the flood: " + timeSets(client, "during-"));
            // A snapshot needs new files: the descriptors the limit kept free are there for it.
            assertThat(String.valueOf(client.call("RAFT.SNAPSHOT"))).startsWith("snapshot index ");

            @SuppressWarnings("unchecked")
            List<Object> info = (List<Object>) client.call("RAFT.INFO");
            assertThat(info).contains("connected_clients:" + MAX_CLIENTS, "max_clients:" + MAX_CLIENTS,
                    "rejected_clients:" + refused);
        }
        for (String id : List.of("n2", "n3")) {
            try (RespClient other = new RespClient(respPorts.get(id), 20_000)) {
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThat(other.call("GET", "during-99")).isEqualTo("v99"));
            }
        }
        flood.forEach(KvClientFloodIT::closeQuietly);
        // Once the flood is gone, n1 serves new clients again.
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
            try (RespClient fresh = new RespClient(respPorts.get("n1"), 5_000)) {
                assertThat(fresh.call("GET", "before")).isEqualTo("flood");
            }
        });
        for (KvProcess p : processes) {
            assertThat(p.process.isAlive()).as("%s alive; stderr: %s", p.stderr, p.stderrText()).isTrue();
        }
        assertThat(n1.stderrText()).doesNotContain("Too many open files");
    }

    @Test
    void theClientLimitIsLoweredToFitTheDescriptorLimitOrTheServerRefusesToStart() throws Exception {
        int raft = RespServerTest.freePort();
        int resp = RespServerTest.freePort();
        String[] args = {"--id", "n1", "--raft", "127.0.0.1:" + raft, "--resp", "127.0.0.1:" + resp, "--data",
            dir.resolve("n1").toString(), "--members", "n1=127.0.0.1:" + raft};
        KvProcess lowered = new KvProcess(dir.resolve("lowered.stderr"), DESCRIPTOR_LIMIT, args);
        processes.add(lowered);
        lowered.awaitReady();
        assertThat(lowered.stderrText()).contains("--max-clients 10000 lowered to",
                "the file-descriptor limit is " + DESCRIPTOR_LIMIT);
        try (RespClient c = new RespClient(resp, 20_000)) {
            @SuppressWarnings("unchecked")
            List<Object> info = (List<Object>) c.call("RAFT.INFO");
            int max = info.stream().map(String::valueOf).filter(l -> l.startsWith("max_clients:"))
                    .mapToInt(l -> Integer.parseInt(l.substring("max_clients:".length()))).findFirst().orElseThrow();
            assertThat(max).isBetween(1, DESCRIPTOR_LIMIT - DescriptorBudget.RESERVED);
        }
        lowered.close();

        KvProcess refused = new KvProcess(dir.resolve("refused.stderr"), DescriptorBudget.RESERVED, args);
        processes.add(refused);
        assertThat(refused.awaitExit()).isEqualTo(1);
        assertThat(refused.lastStderrLine()).startsWith("keel-kv: the file-descriptor limit " + DescriptorBudget.RESERVED)
                .contains("leaves no room for clients");
    }

    /** 100 SETs of {@code prefix0..99} to {@code v0..v99}, each acknowledged; their latencies. */
    private static String timeSets(RespClient client, String prefix) throws IOException {
        long[] micros = new long[100];
        for (int i = 0; i < micros.length; i++) {
            long start = System.nanoTime();
            assertThat(client.call("SET", prefix + i, "v" + i)).isEqualTo("OK");
            micros[i] = (System.nanoTime() - start) / 1_000;
        }
        Arrays.sort(micros);
        return String.format("median %d us, p99 %d us, max %d us", micros[micros.length / 2],
                micros[micros.length * 99 / 100], micros[micros.length - 1]);
    }

    /**
     * Whether the server has answered {@code s} with the refusal; false while it says nothing (it holds the
     * connection open). The refusal is one short segment, so it arrives whole.
     */
    private static boolean refused(Socket s) {
        try {
            s.setSoTimeout(1);
            InputStream in = s.getInputStream();
            byte[] reply = new byte[64];
            int n = in.read(reply);
            assertThat(n).as("a reply before the server closes").isPositive();
            assertThat(new String(reply, 0, n, StandardCharsets.US_ASCII)).startsWith(REFUSED);
            return true;
        } catch (SocketTimeoutException heldOpen) {
            return false;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
