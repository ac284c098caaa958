package io.keelraft.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keelraft.client.RaftClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keel's own client against three real keel-kv processes, the leader killed with SIGKILL while a window of
 * commands is in flight: every INCRBY 1 is answered, each with a different total, in the order it was submitted,
 * and the final total is the number of commands — none applied twice, none lost.
 */
class KvClientFailoverIT {

    @TempDir
    Path dir;

    private final Map<String, KvProcess> processes = new LinkedHashMap<>();

    @AfterEach
    void cleanUp() {
        processes.values().forEach(KvProcess::close);
    }

    @Test
    void killingTheLeaderMidStreamNeitherLosesNorRepeatsACommand() throws Exception {
        Map<String, String> members = new LinkedHashMap<>();
        Map<String, Integer> resp = new LinkedHashMap<>();
        for (String id : List.of("n1", "n2", "n3")) {
            members.put(id, "127.0.0.1:" + RespServerTest.freePort());
            resp.put(id, RespServerTest.freePort());
        }
        String memberList = members.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
        for (String id : members.keySet()) {
            processes.put(id, new KvProcess(dir.resolve(id + ".stderr"), "--id", id, "--raft", members.get(id),
                    "--resp", "127.0.0.1:" + resp.get(id), "--data", dir.resolve(id).toString(), "--members",
                    memberList));
        }
        processes.values().forEach(KvProcess::awaitReady);

        int total = 2_000;
        try (RaftClient raft = RaftClient.builder().servers(members).maxInFlight(100)
                .requestTimeout(Duration.ofSeconds(60)).build();
             KvClient kv = KvClient.over(raft)) {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> kv.incrByAndWait("warm", 1) > 0);
            List<CompletableFuture<Long>> answers = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                answers.add(kv.incrBy("counter", 1));
                if (i == total / 2) {
                    answers.get(total / 4).get(60, TimeUnit.SECONDS);
                    String leader = leaderId(resp);
                    System.out.println("killing the leader " + leader + " with " + (i + 1) + " commands submitted");
                    processes.get(leader).kill();
                }
            }
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            for (int i = 0; i < total; i++) {
                assertThat(answers.get(i).get()).as("answer to INCRBY number %d", i).isEqualTo(i + 1L);
            }
            assertThat(kv.getAndWait("counter")).asString().isEqualTo(String.valueOf(total));
        }
    }

    /** The server whose RAFT.INFO says it leads. */
    private String leaderId(Map<String, Integer> resp) {
        return await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            for (Map.Entry<String, Integer> e : resp.entrySet()) {
                try (RespClient c = new RespClient(e.getValue(), 5_000)) {
                    Object info = c.call("RAFT.INFO");
                    if (String.valueOf(info).contains("role:leader")) {
                        return e.getKey();
                    }
                }
            }
            return null;
        }, id -> id != null);
    }
}
