package io.keelraft.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command-line contract of keel-kv.jar, on real processes. */
class KvCommandLineIT {

    @TempDir
    Path dir;

    private final List<KvProcess> processes = new ArrayList<>();

    @AfterEach
    void killEverything() {
        processes.forEach(KvProcess::close);
    }

    private KvProcess run(String... args) {
        KvProcess p = new KvProcess(dir.resolve("stderr-" + processes.size()), args);
        processes.add(p);
        return p;
    }

    /** A one-server cluster's command line. */
    private static String[] single(int raft, int resp, Path data) {
        return new String[] {"--id", "n1", "--raft", "127.0.0.1:" + raft, "--resp", "127.0.0.1:" + resp, "--data",
            data.toString(), "--members", "n1=127.0.0.1:" + raft};
    }

    @Test
    void helpDocumentsTheFlagsAndExitsZero() throws Exception {
        KvProcess p = run("--help");
        assertThat(p.awaitExit()).isZero();
        assertThat(String.join("\n", p.stdout)).contains("--id", "--raft", "--resp", "--data", "--members");
    }

    @Test
    void aBadFlagExitsNonZeroWithOneLine() throws Exception {
        KvProcess p = run("--id", "n1", "--bogus", "x");
        assertThat(p.awaitExit()).isEqualTo(2);
        assertThat(p.stderrText().strip()).isEqualTo("keel-kv: unknown flag --bogus (see --help)");
        assertThat(p.stdout).isEmpty();
    }

    @Test
    void aBusyPortExitsNonZeroWithOneLine() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            KvProcess p = run(single(RespServerTest.freePort(), busy.getLocalPort(), dir.resolve("d")));
            assertThat(p.awaitExit()).isEqualTo(1);
            assertThat(p.lastStderrLine()).startsWith("keel-kv: cannot listen for RESP on 127.0.0.1:"
                    + busy.getLocalPort());
            KvProcess q = run(single(busy.getLocalPort(), RespServerTest.freePort(), dir.resolve("e")));
            assertThat(q.awaitExit()).isEqualTo(1);
            assertThat(q.lastStderrLine()).startsWith("keel-kv: cannot start Raft on 127.0.0.1:" + busy.getLocalPort());
        }
    }

    @Test
    void sigtermStopsCleanlyARestartResumesAndALockedOrCorruptedDirectoryIsRefused() throws Exception {
        Path data = dir.resolve("data");
        int raft = RespServerTest.freePort();
        int resp = RespServerTest.freePort();
        KvProcess first = run(single(raft, resp, data));
        assertThat(first.awaitReady()).isEqualTo("READY raft=127.0.0.1:" + raft + " resp=127.0.0.1:" + resp);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            try (RespClient c = new RespClient(resp)) {
                return "OK".equals(c.call("SET", "kept", "across restarts"));
            }
        });

        // A second server on the same data directory is refused: the directory is locked.
        KvProcess second = run(single(RespServerTest.freePort(), RespServerTest.freePort(), data));
        assertThat(second.awaitExit()).isEqualTo(1);
        assertThat(second.lastStderrLine()).startsWith("keel-kv: cannot open data directory").contains("lock");

        first.process.destroy(); // SIGTERM
        assertThat(first.awaitExit()).isZero();
        assertThat(first.stdout).containsExactly("READY raft=127.0.0.1:" + raft + " resp=127.0.0.1:" + resp);

        KvProcess again = run(single(raft, resp, data));
        again.awaitReady();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            try (RespClient c = new RespClient(resp)) {
                return "across restarts".equals(c.call("GET", "kept"));
            }
        });
        again.process.destroy();
        assertThat(again.awaitExit()).isZero();

        Path hardState = data.resolve("meta").resolve("hardstate");
        assertThat(hardState).exists();
        Files.write(hardState, "this is not a term and vote".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        KvProcess corrupted = run(single(raft, resp, data));
        assertThat(corrupted.awaitExit()).isEqualTo(1);
        assertThat(corrupted.lastStderrLine()).startsWith("keel-kv: cannot open data directory");
    }
}
