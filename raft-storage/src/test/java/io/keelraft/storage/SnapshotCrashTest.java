package io.keelraft.storage;

import static io.keelraft.storage.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.keelraft.core.spi.SnapshotFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 during snapshot writes: a child JVM ({@link SnapshotCrashChild}) writes and receives snapshots with
 * fsync on and prints what it starts and what commit acknowledged; this test kills it at random moments,
 * reopens the store and checks that {@code latest()} is a complete snapshot, holding exactly the bytes the
 * child wrote for it, and never older than the last acknowledged one. {@code -Dkeel.storage.snapshotCrashKills=N}
 * sets the number of kills (default 20); {@code -Dkeel.storage.crashSeed} repeats a run.
 */
class SnapshotCrashTest {

    private static final int KILLS = Integer.getInteger("keel.storage.snapshotCrashKills", 20);
    private static final long SEED = seed(System.getProperty("keel.storage.crashSeed", ""));

    @TempDir
    Path temp;

    @Test
    void latestIsAlwaysACompleteSnapshotAndNothingAcknowledgedIsLost() throws Exception {
        Path dir = temp.resolve("snapshots");
        Random random = new Random(SEED);
        Map<Long, Integer> sizes = new HashMap<>(); // index -> size of the data the child wrote for it
        long acknowledged = 0;
        long next = 1;
        int acks = 0;
        for (int kill = 1; kill <= KILLS; kill++) {
            String context = "kill " + kill + " of " + KILLS + " (seed " + SEED + ", -Dkeel.storage.crashSeed to repeat)";
            Path stdout = temp.resolve("child-" + kill + ".out");
            Path stderr = temp.resolve("child-" + kill + ".err");
            Process child = start(stdout, stderr, dir.toString(), Long.toString(random.nextLong()), Long.toString(next));
            try {
                await().alias("a first acknowledgement, " + context)
                        .until(() -> !child.isAlive() || Files.readString(stdout).contains("A "));
                assertThat(child.isAlive()).as("child alive: %s, stderr: %s", context, read(stderr)).isTrue();
                boolean exited = child.waitFor(10 + random.nextInt(400), TimeUnit.MILLISECONDS);
                assertThat(exited).as("child exited by itself: %s, stderr: %s", context, read(stderr)).isFalse();
            } finally {
                child.destroyForcibly();
                child.waitFor();
            }
            for (String line : completeLines(stdout)) {
                String[] f = line.split(" ");
                long index = Long.parseLong(f[1]);
                switch (f[0]) {
                    case "B" -> sizes.put(index, Integer.parseInt(f[3]));
                    case "A" -> {
                        acknowledged = Math.max(acknowledged, index);
                        acks++;
                    }
                    default -> fail("unexpected line from the child: " + line);
                }
            }
            try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2)) {
                Optional<SnapshotFile> latest = store.latest();
                assertThat(latest).as("a snapshot after %s", context).isPresent();
                SnapshotFile snapshot = latest.get();
                long index = snapshot.meta().index();
                assertThat(index).as("latest after %s: never older than the last acknowledged", context)
                        .isGreaterThanOrEqualTo(acknowledged);
                assertThat(sizes).as("latest after %s was started by the child", context).containsKey(index);
                byte[] expected = FileSnapshotStoreTest.data(index, sizes.get(index));
                assertThat(snapshot.meta()).isEqualTo(FileSnapshotStoreTest.meta(index, index / 10 + 1));
                try (InputStream in = snapshot.open()) {
                    assertThat(in.readAllBytes()).as("data of %d after %s", index, context).isEqualTo(expected);
                }
                try (var list = Files.list(dir)) {
                    // retain 2, plus one when the kill fell between a rename into place and the retirement
                    // that follows it (the next commit retires it; open does not, as the newest may be damaged)
                    assertThat(list.filter(Files::isDirectory).count()).as("retention after %s", context)
                            .isBetween(1L, 3L);
                }
                acknowledged = index;
                next = index + 1;
            }
        }
        System.out.printf("snapshot crash test: %d kills, %d snapshots acknowledged (seed %d)%n", KILLS, acks, SEED);
    }

    private static long seed(String property) {
        return property.isBlank() ? System.nanoTime() : Long.parseLong(property.trim());
    }

    private static Process start(Path stdout, Path stderr, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"),
                SnapshotCrashChild.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    }

    /** Lines ending in a newline: a kill may cut the last one short. */
    private static List<String> completeLines(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n"));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
