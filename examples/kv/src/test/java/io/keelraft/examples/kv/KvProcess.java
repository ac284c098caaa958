package io.keelraft.examples.kv;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** One {@code java -jar keel-kv.jar} process: its stdout lines collected, its stderr in a file. */
final class KvProcess implements AutoCloseable {

    /** The jar built in the package phase (failsafe passes its path). */
    static Path jar() {
        Path jar = Path.of(System.getProperty("keel.kv.jar", "target/keel-kv.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run mvn verify (the jar is built by package)");
        }
        return jar;
    }

    final Process process;
    final Path stderr;
    final List<String> stdout = new CopyOnWriteArrayList<>();

    KvProcess(Path stderr, String... args) {
        this(stderr, 0, args);
    }

    /**
     * @param descriptorLimit when positive, the server runs under {@code ulimit -n descriptorLimit} (through bash)
     */
    KvProcess(Path stderr, int descriptorLimit, String... args) {
        this.stderr = stderr;
        List<String> command = new ArrayList<>();
        if (descriptorLimit > 0) {
            command.addAll(List.of("bash", "-c", "ulimit -n " + descriptorLimit + " && exec \"$@\"", "bash"));
        }
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar().toString()));
        command.addAll(List.of(args));
        try {
            process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    stdout.add(line);
                }
            } catch (IOException ignored) {
                // the process went away
            }
        }, "stdout-" + stderr.getFileName());
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits for the READY line and returns it. */
    String awaitReady() {
        await().atMost(Duration.ofSeconds(60)).until(() -> !process.isAlive()
                || stdout.stream().anyMatch(l -> l.startsWith("READY ")));
        if (!process.isAlive()) {
            throw new IllegalStateException("the server exited with " + process.exitValue() + ": " + stderrText());
        }
        return stdout.stream().filter(l -> l.startsWith("READY ")).findFirst().orElseThrow();
    }

    int awaitExit() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the server did not exit: " + stderrText());
        }
        return process.exitValue();
    }

    String stderrText() {
        try {
            return Files.readString(stderr);
        } catch (IOException e) {
            return "(no stderr: " + e + ")";
        }
    }

    /** The last line of stderr (the one-line reason of a failed start). */
    String lastStderrLine() {
        String[] lines = stderrText().strip().split("\n");
        return lines[lines.length - 1];
    }

    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }
}
