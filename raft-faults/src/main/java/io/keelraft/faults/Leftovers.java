package io.keelraft.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a harness killed with SIGKILL (so neither its {@code finally} nor its shutdown hook ran) may have left:
 * server processes, iptables chains and tmpfs mounts. Each run folder records its harness's PID and the PID of
 * every server it started; a new run ends those servers by PID, unmounts the folder's mounts and removes the
 * chains, for every folder whose harness is gone.
 */
final class Leftovers {

    private static final Logger LOG = LoggerFactory.getLogger(Leftovers.class);
    static final String HARNESS_PID = "harness.pid";
    static final String SERVER_PIDS = "server.pids";

    private Leftovers() {
    }

    /** Records this harness in {@code runDir}. */
    static void recordHarness(Path runDir) throws IOException {
        Files.writeString(runDir.resolve(HARNESS_PID), Long.toString(ProcessHandle.current().pid()));
    }

    /** Records a server's PID in {@code runDir}. */
    static void recordServer(Path runDir, long pid) {
        try {
            Files.writeString(runDir.resolve(SERVER_PIDS), pid + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            LOG.warn("cannot record pid {} in {}: {}", pid, runDir, e.toString());
        }
    }

    /** Cleans up after every run under {@code baseDir} whose harness is gone, and stale iptables chains. */
    static void cleanUp(Path baseDir, boolean iptables) {
        if (iptables) {
            NetworkFaults.removeLeftoverChains();
        }
        if (!Files.isDirectory(baseDir)) {
            return;
        }
        try (Stream<Path> runs = Files.list(baseDir)) {
            for (Path run : runs.toList()) {
                Path harness = run.resolve(HARNESS_PID);
                if (Files.isRegularFile(harness) && !alive(Long.parseLong(Files.readString(harness).strip()))) {
                    endServers(run);
                    unmountUnder(run);
                    Files.delete(harness);
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.warn("cannot look for leftovers under {}: {}", baseDir, e.toString());
        }
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static void endServers(Path run) throws IOException {
        Path pids = run.resolve(SERVER_PIDS);
        if (!Files.isRegularFile(pids)) {
            return;
        }
        for (String line : Files.readAllLines(pids)) {
            if (line.isBlank()) {
                continue;
            }
            ProcessHandle.of(Long.parseLong(line.strip())).filter(ProcessHandle::isAlive)
                    .filter(p -> p.info().commandLine().orElse("").contains("keel-kv.jar")).ifPresent(p -> {
                        LOG.warn("ending leftover server pid {} of {}", p.pid(), run);
                        Shell.run(List.of("kill", "-CONT", Long.toString(p.pid())));
                        p.destroyForcibly();
                        p.onExit().join();
                    });
        }
    }

    private static void unmountUnder(Path run) throws IOException {
        String prefix = run.toAbsolutePath().normalize().toString() + "/";
        for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
            String[] f = line.split(" ");
            if (f.length > 2 && f[2].equals("tmpfs") && f[1].startsWith(prefix)) {
                LOG.warn("unmounting leftover tmpfs {}", f[1]);
                Shell.run(List.of("umount", "-l", f[1]));
            }
        }
    }
}
