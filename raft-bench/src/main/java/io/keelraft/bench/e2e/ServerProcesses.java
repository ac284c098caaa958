package io.keelraft.bench.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Three KV server JVMs on 127.0.0.1 (peer-bench workload §1): {@code -Xmx1g}, fresh data directories in one
 * temporary directory, production defaults (fsync on). {@link #close()} stops them by PID — SIGTERM, then
 * SIGKILL after 10 s — and deletes the directory, also when the benchmark fails.
 */
final class ServerProcesses implements AutoCloseable {

    private final Path root;
    private final List<Process> processes = new ArrayList<>();
    /** Server id to its RESP address, from its READY line. */
    private final Map<String, String> resp = new LinkedHashMap<>();
    /** Server id to its Raft address (also where Keel's own client connects). */
    private final Map<String, String> raft = new LinkedHashMap<>();

    ServerProcesses(Path kvJar) throws IOException {
        if (!Files.isRegularFile(kvJar)) {
            throw new IllegalArgumentException(kvJar + " does not exist: build it with `mvn -q -DskipTests package`");
        }
        root = Files.createTempDirectory("keel-bench");
        try {
            Map<String, String> members = new LinkedHashMap<>();
            for (int i = 1; i <= 3; i++) {
                members.put("n" + i, "127.0.0.1:" + freePort());
            }
            String memberList = String.join(",", members.entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue()).toList());
            for (Map.Entry<String, String> m : members.entrySet()) {
                Path log = root.resolve(m.getKey() + ".log");
                List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx1g"));
                // For profiling only (README): e.g. -XX:StartFlightRecording=filename=/tmp/{id}.jfr
                String extra = System.getenv("KEEL_BENCH_SERVER_JVM_OPTS");
                if (extra != null && !extra.isBlank()) {
                    command.addAll(List.of(extra.replace("{id}", m.getKey()).trim().split("\\s+")));
                }
                command.addAll(List.of("-jar", kvJar.toString(),
                        "--id", m.getKey(), "--raft", m.getValue(), "--resp", "127.0.0.1:0",
                        "--data", root.resolve(m.getKey()).toString(), "--members", memberList));
                Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
                processes.add(p);
                resp.put(m.getKey(), awaitReady(m.getKey(), p, log));
                raft.put(m.getKey(), m.getValue());
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Server id to RESP host:port. */
    Map<String, String> respAddresses() {
        return resp;
    }

    /** Server id to Raft host:port: the members' addresses, which Keel's client ({@code raft-client}) uses. */
    Map<String, String> raftAddresses() {
        return raft;
    }

    private static String awaitReady(String id, Process p, Path log) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        while (line != null && line.startsWith("[")) {
            line = out.readLine(); // JVM logging (e.g. a flight recording starting), not the server's
        }
        if (line == null || !line.startsWith("READY ")) {
            throw new IllegalStateException("server " + id + " did not start: " + line + "; its log: "
                    + tail(log));
        }
        // READY raft=HOST:PORT resp=HOST:PORT
        return line.substring(line.indexOf("resp=") + "resp=".length()).trim();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** True when every server is still running. */
    boolean allAlive() {
        return processes.stream().allMatch(Process::isAlive);
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroy(); // SIGTERM: a clean shutdown
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + root + ": " + e);
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A free port below the ephemeral range, so no outbound connection takes it before its server binds. */
    private static int freePort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(15_000, 32_000);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new UncheckedIOException(new IOException("no free port in [15000, 32000)"));
    }
}
