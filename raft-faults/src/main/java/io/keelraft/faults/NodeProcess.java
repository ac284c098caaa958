package io.keelraft.faults;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One {@code java -jar keel-kv.jar} process, addressed by its PID: started, killed with SIGKILL, paused with
 * SIGSTOP and resumed with SIGCONT. Its stderr and stdout are appended to one log file per node, which survives
 * restarts (each start writes a marker line first).
 */
public final class NodeProcess {

    private final Process process;
    private final CompletableFuture<String> ready = new CompletableFuture<>();
    private volatile boolean paused;
    private volatile boolean killed;

    private NodeProcess(Process process) {
        this.process = process;
    }

    /**
     * Starts {@code java -jar jar args...}, appending its output to {@code log}.
     *
     * @param label names the output-reader thread
     */
    public static NodeProcess start(Path jar, Path log, String label, List<String> args) {
        return start(jar, log, label, args, Map.of());
    }

    /**
     * Starts {@code java -jar jar args...} with {@code env} added to this process's environment (a skewed clock:
     * {@link ClockSkew}), appending its output to {@code log}.
     */
    public static NodeProcess start(Path jar, Path log, String label, List<String> args, Map<String, String> env) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
        command.addAll(args);
        Process process;
        try {
            Files.writeString(log, "=== " + java.time.Instant.now() + " start: " + (env.isEmpty() ? "" : env + " ")
                    + String.join(" ", command) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(env);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + label, e);
        }
        NodeProcess node = new NodeProcess(process);
        Thread reader = new Thread(() -> node.readStdout(log), "stdout-" + label + "-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        return node;
    }

    private void readStdout(Path log) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("READY ")) {
                    ready.complete(line);
                }
                Files.writeString(log, "[stdout] " + line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            }
        } catch (IOException ignored) {
            // the process went away
        }
        ready.completeExceptionally(new IllegalStateException("the server exited before READY"));
    }

    /** Waits for the {@code READY} line; fails if the process exits first or {@code timeout} passes. */
    public String awaitReady(Duration timeout) {
        try {
            return ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for READY of pid " + pid(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("pid " + pid() + " did not print READY within " + timeout
                    + (process.isAlive() ? "" : " (exited with " + process.exitValue() + ")"), e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit status of a process that ended without being killed by the harness; null otherwise. */
    public Integer unexpectedExit() {
        return process.isAlive() || killed ? null : process.exitValue();
    }

    public boolean isPaused() {
        return paused && process.isAlive();
    }

    /** SIGKILL, then waits for the process to be gone. */
    public void kill9() {
        if (process.isAlive()) {
            killed = true; // an exit before this stays visible to unexpectedExit()
        }
        process.destroyForcibly();
        awaitExit();
    }

    /** SIGSTOP: the process stops running but keeps its sockets, like a long GC pause or a frozen VM. */
    public void pause() {
        signal("STOP");
        paused = true;
    }

    /** SIGCONT after {@link #pause}. */
    public void resume() {
        signal("CONT");
        paused = false;
    }

    /** Ends the process by PID whatever its state: SIGCONT first if it was stopped, then SIGKILL. */
    public void stop() {
        if (!process.isAlive()) {
            return;
        }
        if (paused) {
            resume();
        }
        kill9();
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("pid " + pid() + " still alive 30 s after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void signal(String name) {
        if (!process.isAlive()) {
            return;
        }
        Shell.Result r = Shell.run(List.of("kill", "-" + name, Long.toString(pid())));
        if (!r.ok() && process.isAlive()) {
            throw new IllegalStateException("kill -" + name + " " + pid() + " failed: " + r.output().strip());
        }
    }

    @Override
    public String toString() {
        return "pid " + pid() + (process.isAlive() ? paused ? " (stopped)" : "" : " (exited)");
    }
}
