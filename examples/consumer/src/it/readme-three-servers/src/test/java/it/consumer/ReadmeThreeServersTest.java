package it.consumer;

import io.keelraft.core.RaftNode;
import io.keelraft.examples.counter.Counter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/** The README's three servers, each started with Counter.serve, in a project that has protobuf 3.25 of its own. */
class ReadmeThreeServersTest {

    @Test
    void theApplicationHasItsOwnProtobuf3() {
        Assertions.assertDoesNotThrow(() -> Class.forName("com.google.protobuf.GeneratedMessageV3"));
        // RuntimeVersion arrived with protobuf 4 (v26): its absence says the application's 3.x is what loads.
        Assertions.assertThrows(ClassNotFoundException.class, () -> Class.forName("com.google.protobuf.RuntimeVersion"));
    }

    @Test
    void threeServersStartAddAndRead() throws Exception {
        Path data = Files.createTempDirectory("keel-consumer");
        for (int attempt = 1; ; attempt++) {
            Map<String, String> members = new LinkedHashMap<>();
            for (String id : List.of("n1", "n2", "n3")) {
                members.put(id, "127.0.0.1:" + freePort());
            }
            ExecutorService servers = Executors.newFixedThreadPool(3);
            List<Future<RaftNode>> started = new ArrayList<>();
            for (String id : members.keySet()) {
                Path dir = data.resolve(attempt + "-" + id);
                started.add(servers.submit(() -> Counter.serve(id, members, dir)));
            }
            servers.shutdown();
            List<RaftNode> nodes = new ArrayList<>();
            Throwable failure = null;
            for (Future<RaftNode> f : started) {
                try {
                    nodes.add(f.get(60, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    failure = e.getCause();
                }
            }
            try {
                if (failure != null && attempt < 3 && String.valueOf(failure.getMessage()).contains("cannot listen on")) {
                    continue; // a port taken between choosing and binding it
                }
                Throwable failed = failure;
                Assertions.assertNull(failed, () -> "a server failed: " + failed);
                // Every add went through; a linearizable read on each server sees all three.
                for (RaftNode node : nodes) {
                    Assertions.assertEquals(15, Counter.read(node));
                }
                return;
            } finally {
                nodes.forEach(RaftNode::close);
            }
        }
    }

    /** A free port outside Linux's ephemeral range, so that no outbound connection takes it first. */
    private static int freePort() throws IOException {
        for (int i = 0; i < 100; i++) {
            int port = ThreadLocalRandom.current().nextInt(15_000, 32_000);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port");
    }
}
