package io.keelraft.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real keel-kv server processes from the packaged jar, on loopback with free ports: clients write through
 * every server, the leader's process is killed (SIGKILL), and every SET that was acknowledged is then read back
 * from every server, the old leader restarted on its data directory included. Also: a server survives garbage,
 * an unterminated bulk string and a 1 GiB length prefix.
 */
class KvClusterIT {

    @TempDir
    Path dir;

    private final List<KvProcess> processes = new ArrayList<>();
    private final Map<String, Integer> respPorts = new LinkedHashMap<>();
    private final Map<String, String> members = new LinkedHashMap<>();
    private final Map<String, KvProcess> running = new LinkedHashMap<>();

    @AfterEach
    void killEverything() {
        processes.forEach(KvProcess::close);
    }

    private void cluster(String... ids) {
        for (String id : ids) {
            members.put(id, "127.0.0.1:" + RespServerTest.freePort());
            respPorts.put(id, RespServerTest.freePort());
        }
    }

    private KvProcess start(String id) {
        String memberList = members.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
        KvProcess p = new KvProcess(dir.resolve(id + "-" + processes.size() + ".stderr"), "--id", id, "--raft",
                members.get(id), "--resp", "127.0.0.1:" + respPorts.get(id), "--data", dir.resolve(id).toString(),
                "--members", memberList);
        processes.add(p);
        running.put(id, p);
        return p;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> infoOf(RespClient c) throws IOException {
        return (List<Object>) c.call("RAFT.INFO");
    }

    /** Starts {@code id} with --join, told of the servers in {@link #members} (it is not one of them). */
    private KvProcess startJoining(String id, int raftPort) {
        String memberList = members.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
        respPorts.put(id, RespServerTest.freePort());
        KvProcess p = new KvProcess(dir.resolve(id + "-" + processes.size() + ".stderr"), "--id", id, "--raft",
                "127.0.0.1:" + raftPort, "--resp", "127.0.0.1:" + respPorts.get(id), "--data",
                dir.resolve(id).toString(), "--join", "--members", memberList);
        processes.add(p);
        running.put(id, p);
        return p;
    }

    /** The id of the server that says it leads, once one does. */
    private String awaitLeader() {
        String[] leader = new String[1];
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (String id : running.keySet()) {
                try (RespClient c = new RespClient(respPorts.get(id), 5_000)) {
                    Object info = c.call("RAFT.INFO");
                    if (info instanceof List<?> fields && fields.contains("role:leader")) {
                        leader[0] = id;
                        return true;
                    }
                } catch (IOException | RuntimeException e) {
                    // not up, or just killed
                }
            }
            return false;
        });
        return leader[0];
    }

    @Test
    void everyAcknowledgedSetIsReadableFromEveryServerAfterTheLeaderIsKilled() throws Exception {
        cluster("n1", "n2", "n3");
        for (String id : members.keySet()) {
            start(id);
        }
        for (KvProcess p : running.values()) {
            assertThat(p.awaitReady()).startsWith("READY raft=127.0.0.1:");
        }
        String leader = awaitLeader();

        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        for (String id : members.keySet()) {
            Thread t = new Thread(() -> write(id, acknowledged, stop), "writer-" + id);
            t.start();
            writers.add(t);
        }
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 150);
            running.remove(leader).kill();
            int atKill = acknowledged.size();
            long killedAt = System.nanoTime();
            String newLeader = awaitLeader();
            System.out.printf("killed leader %s with %d acknowledged SETs; %s leads after %d ms%n", leader, atKill,
                    newLeader, (System.nanoTime() - killedAt) / 1_000_000);
            assertThat(newLeader).isNotEqualTo(leader);
            await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= atKill + 150);
        } finally {
            stop.set(true);
            for (Thread t : writers) {
                t.join(60_000);
            }
        }

        // The old leader comes back on its data directory and catches up.
        start(leader).awaitReady();
        for (String id : members.keySet()) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertEveryKeyReadable(id, acknowledged));
        }
    }

    /** SETs through server {@code id} until told to stop or its process dies; records what was acknowledged. */
    private void write(String id, Map<String, String> acknowledged, AtomicBoolean stop) {
        try (RespClient c = new RespClient(respPorts.get(id), 60_000)) {
            for (int i = 0; !stop.get(); i++) {
                String key = "key-" + id + "-" + i;
                String value = "value-" + i + "-" + "x".repeat(i % 50);
                if ("OK".equals(c.call("SET", key, value))) {
                    acknowledged.put(key, value);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the server was killed: whatever was in flight is neither acknowledged nor checked
        }
    }

    private void assertEveryKeyReadable(String id, Map<String, String> acknowledged) throws IOException {
        List<String> keys = new ArrayList<>(acknowledged.keySet());
        try (RespClient c = new RespClient(respPorts.get(id), 30_000)) {
            for (int from = 0; from < keys.size(); from += 200) {
                List<String> chunk = keys.subList(from, Math.min(keys.size(), from + 200));
                List<String> command = new ArrayList<>(List.of("MGET"));
                command.addAll(chunk);
                Object reply = c.call(command.toArray(String[]::new));
                assertThat(reply).as("MGET on %s", id).isInstanceOf(List.class);
                List<?> values = (List<?>) reply;
                for (int i = 0; i < chunk.size(); i++) {
                    assertThat(values.get(i)).as("%s on %s", chunk.get(i), id).isEqualTo(acknowledged.get(chunk.get(i)));
                }
            }
        }
    }

    @Test
    void aServerSurvivesGarbageAnUnterminatedBulkStringAndAOneGibLengthPrefix() throws Exception {
        cluster("n1");
        start("n1").awaitReady();
        awaitLeader();
        int port = respPorts.get("n1");
        Random random = new Random(7);
        for (int round = 0; round < 10; round++) {
            byte[] junk = new byte[1 + random.nextInt(8192)];
            random.nextBytes(junk);
            try (RespClient bad = new RespClient(port, 10_000)) {
                bad.send(junk);
                bad.shutdownOutput();
                assertThat(bad.closedByServer()).isTrue();
            }
        }
        try (RespClient bad = new RespClient(port, 10_000)) {
            bad.send("*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$100\r\nnot-all-of-it".getBytes(StandardCharsets.US_ASCII));
            bad.shutdownOutput();
            assertThat(bad.closedByServer()).isTrue();
        }
        try (RespClient bad = new RespClient(port, 10_000)) {
            bad.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1073741824\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(bad.read()).asString().contains("ERR Protocol error");
            assertThat(bad.closedByServer()).isTrue();
        }
        try (RespClient good = new RespClient(port)) {
            assertThat(good.call("EXISTS", "half", "k")).isEqualTo(0L);
            assertThat(good.call("SET", "after", "fine")).isEqualTo("OK");
            assertThat(good.call("GET", "after")).isEqualTo("fine");
        }
        assertThat(running.get("n1").process.isAlive()).isTrue();
    }

    @Test
    void aJoiningServerIsAddedThenTheLeaderIsRemovedAndLeadershipTransferred() throws Exception {
        cluster("n1", "n2", "n3");
        for (String id : List.of("n1", "n2", "n3")) {
            start(id);
        }
        for (String id : List.of("n1", "n2", "n3")) {
            running.get(id).awaitReady();
        }
        String leader = awaitLeader();
        try (RespClient c = new RespClient(respPorts.get(leader))) {
            assertThat(c.call("SET", "before", "1")).isEqualTo("OK");
            assertThat(infoOf(c)).contains("roles:n1=voter,n2=voter,n3=voter", "configuration:stable");
        }
        int n4Raft = RespServerTest.freePort();
        startJoining("n4", n4Raft).awaitReady();
        try (RespClient c = new RespClient(respPorts.get("n4"))) {
            // It never campaigns while waiting, and membership requests go to the leader.
            assertThat(infoOf(c)).contains("id:n4", "role:follower", "term:0", "configuration:none (waiting to be added)");
            assertThat(c.call("RAFT.ADD", "n4", "127.0.0.1:" + n4Raft)).isInstanceOfSatisfying(RespClient.Error.class,
                    e -> assertThat(e.message()).startsWith("TRYAGAIN"));
        }
        try (RespClient c = new RespClient(respPorts.get(leader), 60_000)) {
            assertThat(c.call("RAFT.ADD", "n4", "127.0.0.1:" + n4Raft)).isEqualTo("OK");
            assertThat(c.call("RAFT.ADD", "n4", "127.0.0.1:" + n4Raft)).as("already a member")
                    .isInstanceOfSatisfying(RespClient.Error.class, e -> assertThat(e.message()).startsWith("ERR"));
            assertThat(infoOf(c)).contains("configuration:stable").anyMatch(f -> String.valueOf(f).startsWith("roles:")
                    && String.valueOf(f).contains("n4=voter"));
            assertThat(c.call("SET", "with-n4", "2")).isEqualTo("OK");
            // The leader removes itself: it steps down once the configuration without it is committed.
            assertThat(c.call("RAFT.REMOVE", leader)).isEqualTo("OK");
        }
        running.remove(leader).close();
        String next = awaitLeader();
        assertThat(next).isNotEqualTo(leader);
        try (RespClient c = new RespClient(respPorts.get(next), 60_000)) {
            assertThat(c.call("SET", "after-removal", "3")).isEqualTo("OK");
            String target = next.equals("n4") ? running.keySet().stream().filter(id -> !id.equals("n4")).findFirst()
                    .orElseThrow() : "n4";
            assertThat(c.call("RAFT.TRANSFER", target)).isEqualTo("OK");
            assertThat(awaitLeader()).isEqualTo(target);
        }
        for (String id : running.keySet()) {
            try (RespClient c = new RespClient(respPorts.get(id))) {
                assertThat(c.call("GET", "before")).as("on %s", id).isEqualTo("1");
                assertThat(c.call("GET", "with-n4")).as("on %s", id).isEqualTo("2");
                assertThat(c.call("GET", "after-removal")).as("on %s", id).isEqualTo("3");
            }
        }
    }

    /**
     * Issue 9's end-to-end check: 3 servers under continuous writes grow to 5 (two servers started with --join,
     * added with RAFT.ADD) and shrink back to 3 (the leader removes itself, then another server is removed). No
     * acknowledged SET is lost, and writes never stop for longer than the election timeout (1 s): the leader that
     * removes itself hands over with TimeoutNow (measured: ~150 ms; without the hand-over ~1.4 s, as the followers
     * wait out their randomized 1-2 s timeouts).
     */
    @Test
    void threeServersGrowToFiveAndShrinkToThreeUnderContinuousWritesWithoutLosingAWriteOrStallingPastAnElectionTimeout()
            throws Exception {
        cluster("n1", "n2", "n3");
        for (String id : List.of("n1", "n2", "n3")) {
            start(id);
        }
        for (String id : List.of("n1", "n2", "n3")) {
            running.get(id).awaitReady();
        }
        awaitLeader();

        // Writers pick servers from "serving" (a load balancer's list): a server leaves it before it is removed.
        List<String> serving = new java.util.concurrent.CopyOnWriteArrayList<>(List.of("n1", "n2", "n3"));
        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        java.util.concurrent.ConcurrentLinkedQueue<Long> ackTimes = new java.util.concurrent.ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int writer = w;
            Thread t = new Thread(() -> writeThroughServing(writer, serving, acknowledged, ackTimes, stop),
                    "writer-" + w);
            t.start();
            writers.add(t);
        }
        long changesStarted;
        long changesEnded;
        java.util.NavigableMap<Long, String> events = new java.util.concurrent.ConcurrentSkipListMap<>();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 100);
            changesStarted = System.nanoTime();
            for (String id : List.of("n4", "n5")) {
                int raftPort = RespServerTest.freePort();
                startJoining(id, raftPort).awaitReady();
                events.put(System.nanoTime(), id + " started");
                assertThat(admin("RAFT.ADD", id, "127.0.0.1:" + raftPort)).isEqualTo("OK");
                events.put(System.nanoTime(), id + " added");
                members.put(id, "127.0.0.1:" + raftPort);
                serving.add(id);
            }
            String leader = awaitLeader();
            try (RespClient c = new RespClient(respPorts.get(leader))) {
                assertThat(infoOf(c)).contains("roles:n1=voter,n2=voter,n3=voter,n4=voter,n5=voter",
                        "configuration:stable");
            }
            int atFive = acknowledged.size();
            await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= atFive + 100);

            // The leader removes itself, then a follower is removed: back to three.
            serving.remove(leader);
            events.put(System.nanoTime(), "removing the leader " + leader);
            assertThat(admin("RAFT.REMOVE", leader)).isEqualTo("OK");
            events.put(System.nanoTime(), leader + " removed");
            String next = awaitLeaderOtherThan(leader);
            events.put(System.nanoTime(), next + " seen leading");
            String follower = serving.stream().filter(id -> !id.equals(next)).findFirst().orElseThrow();
            serving.remove(follower);
            events.put(System.nanoTime(), "removing " + follower);
            assertThat(admin("RAFT.REMOVE", follower)).isEqualTo("OK");
            changesEnded = System.nanoTime();
            events.put(changesEnded, follower + " removed");
            int atThree = acknowledged.size();
            await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= atThree + 100);
            try (RespClient c = new RespClient(respPorts.get(awaitLeaderOtherThan(leader)))) {
                assertThat(infoOf(c)).contains("configuration:stable").anyMatch(f -> String.valueOf(f)
                        .matches("roles:n\\d=voter,n\\d=voter,n\\d=voter"));
            }
            running.remove(leader).close();
            running.remove(follower).close();
        } finally {
            stop.set(true);
            for (Thread t : writers) {
                t.join(60_000);
            }
        }

        long[] gap = longestGap(ackTimes, changesStarted, changesEnded);
        long longestGap = (gap[1] - gap[0]) / 1_000_000;
        System.out.printf("3 -> 5 -> 3 with the leader removed: %d acknowledged SETs; longest pause between two "
                + "acknowledgements while members changed: %d ms%n", acknowledged.size(), longestGap);
        assertThat(longestGap).as(() -> ("longest time without an acknowledged write during the changes, ms: from "
                        + "+%d ms to +%d ms after the changes started; steps (ms after the start): %s; the servers' "
                        + "leadership log lines:%n%s").formatted((gap[0] - changesStarted) / 1_000_000,
                        (gap[1] - changesStarted) / 1_000_000, events.entrySet().stream().map(e -> "+"
                                + (e.getKey() - changesStarted) / 1_000_000 + " " + e.getValue()).toList(),
                        leadershipLog()))
                .isLessThanOrEqualTo(1_000);
        for (String id : serving) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertEveryKeyReadable(id, acknowledged));
        }
    }

    /** Membership commands go to the leader; retried while leadership moves. */
    private Object admin(String... command) {
        Object[] reply = new Object[1];
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            try (RespClient c = new RespClient(respPorts.get(awaitLeader()), 30_000)) {
                reply[0] = c.call(command);
                return !(reply[0] instanceof RespClient.Error e && e.message().startsWith("TRYAGAIN"));
            } catch (IOException e) {
                return false;
            }
        });
        return reply[0];
    }

    private String awaitLeaderOtherThan(String old) {
        String[] leader = new String[1];
        await().atMost(Duration.ofSeconds(60)).until(() -> !(leader[0] = awaitLeader()).equals(old));
        return leader[0];
    }

    /** SETs through a random serving server; on any error, moves to another. Records acknowledgement times. */
    private void writeThroughServing(int writer, List<String> serving, Map<String, String> acknowledged,
                                     java.util.Collection<Long> ackTimes, AtomicBoolean stop) {
        Random random = new Random(writer);
        int i = 0;
        while (!stop.get()) {
            String id = serving.get(random.nextInt(serving.size()));
            try (RespClient c = new RespClient(respPorts.get(id), 15_000)) {
                while (!stop.get() && serving.contains(id)) {
                    String key = "w" + writer + "-" + i++;
                    String value = "v" + i;
                    if (!"OK".equals(c.call("SET", key, value))) {
                        break;
                    }
                    acknowledged.put(key, value);
                    ackTimes.add(System.nanoTime());
                }
            } catch (IOException | RuntimeException e) {
                // the server went away or stopped answering: try another one
            }
        }
    }

    /** The longest stretch in [from, to] (nanoTime) without an acknowledgement: its start and end. */
    private static long[] longestGap(java.util.Collection<Long> ackTimes, long from, long to) {
        List<Long> times = new ArrayList<>(ackTimes);
        times.sort(null);
        long[] longest = {from, from};
        long previous = from;
        for (long t : times) {
            if (t < from) {
                continue;
            }
            long end = Math.min(t, to);
            if (end - previous > longest[1] - longest[0]) {
                longest = new long[] {previous, end};
            }
            if (t > to) {
                break;
            }
            previous = t;
        }
        return longest;
    }

    /** What every server logged about elections and leadership, for a failure message. */
    private String leadershipLog() {
        return processes.stream().flatMap(p -> p.stderrText().lines().filter(l -> l.contains("leader")
                        || l.contains("campaign") || l.contains("TimeoutNow") || l.contains("steps down"))
                        .map(l -> p.stderr.getFileName() + ": " + l))
                .collect(Collectors.joining(System.lineSeparator()));
    }

    @Test
    void withoutALeaderCommandsAnswerTryAgain() throws Exception {
        cluster("n1", "n2", "n3");
        start("n1").awaitReady(); // n2 and n3 never start: n1 can never be elected
        try (RespClient c = new RespClient(respPorts.get("n1"))) {
            assertThat(c.call("SET", "k", "v")).isEqualTo(new RespClient.Error("TRYAGAIN no leader elected yet"));
            assertThat(c.call("GET", "k")).isEqualTo(new RespClient.Error("TRYAGAIN no leader elected yet"));
            assertThat(String.valueOf(c.call("RAFT.INFO"))).contains("leader:,");
        }
    }

    @Test
    void raftSnapshotTakesADurableSnapshotThatARestartRestoresAlongWithTheLogAfterIt() throws Exception {
        cluster("n1");
        start("n1").awaitReady();
        awaitLeader();
        try (RespClient c = new RespClient(respPorts.get("n1"))) {
            for (int i = 0; i < 50; i++) {
                assertThat(c.call("SET", "before-" + i, "v" + i)).isEqualTo("OK");
            }
            assertThat(String.valueOf(c.call("RAFT.SNAPSHOT"))).matches("snapshot index \\d+ term \\d+");
            for (int i = 0; i < 10; i++) {
                assertThat(c.call("SET", "after-" + i, "w" + i)).isEqualTo("OK");
            }
        }
        running.remove("n1").kill(); // SIGKILL: the restart has only what was durable
        start("n1").awaitReady();
        awaitLeader();
        try (RespClient c = new RespClient(respPorts.get("n1"))) {
            for (int i = 0; i < 50; i++) {
                assertThat(c.call("GET", "before-" + i)).as("from the snapshot").isEqualTo("v" + i);
            }
            for (int i = 0; i < 10; i++) {
                assertThat(c.call("GET", "after-" + i)).as("from the log after it").isEqualTo("w" + i);
            }
        }
        try (java.util.stream.Stream<Path> snapshots = java.nio.file.Files.list(dir.resolve("n1").resolve("snapshots"))) {
            assertThat(snapshots.map(p -> p.getFileName().toString())).anyMatch(n -> n.matches("\\d{20}-\\d{20}"));
        }
    }
}
