package io.keelraft.storage;

import static io.keelraft.storage.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 at random moments: a child JVM ({@link CrashChild}) appends, truncates and compacts with fsync on
 * and prints what it asked for and what was acknowledged; this test kills it with SIGKILL
 * ({@link Process#destroyForcibly()}), reopens the log and checks that every acknowledged entry is there,
 * intact, in a gap-free log. Then the next child continues the same log. {@code -Dkeel.storage.crashKills=N}
 * sets the number of kills (default 50).
 */
class CrashTest {

    private static final int KILLS = Integer.getInteger("keel.storage.crashKills", 50);
    private static final long SEED = seed(System.getProperty("keel.storage.crashSeed", ""));

    @TempDir
    Path temp;

    @Test
    void everyAcknowledgedEntrySurvivesKillNine() throws Exception {
        Path dir = temp.resolve("log");
        Random random = new Random(SEED);
        LogTerms acknowledged = new LogTerms(0, 0); // the log as the child's acknowledgements describe it
        long ackedThrough = 0;
        long maxCompaction = 0;
        int acks = 0;
        int acksChecked = 0;
        int truncations = 0;
        int compactions = 0;
        for (int kill = 1; kill <= KILLS; kill++) {
            String context = "kill " + kill + " of " + KILLS + " (seed " + SEED + ", -Dkeel.storage.crashSeed to repeat)";
            Path stdout = temp.resolve("child-" + kill + ".out");
            Path stderr = temp.resolve("child-" + kill + ".err");
            Process child = startChild(stdout, stderr, dir.toString(), Long.toString(random.nextLong()),
                    Long.toString(kill * 100_000L));
            try {
                // Once it has had something acknowledged, so that every kill has something to check.
                awaitFirstAcknowledgement(child, stdout, stderr, context);
                assertThat(child.isAlive()).as("child alive: %s, stderr: %s", context, read(stderr)).isTrue();
                // A random moment: kill it while it works, whatever it is doing then.
                boolean exited = child.waitFor(20 + random.nextInt(300), TimeUnit.MILLISECONDS);
                assertThat(exited).as("child exited by itself: %s, stderr: %s", context, read(stderr)).isFalse();
            } finally {
                child.destroyForcibly();
                child.waitFor();
            }

            // What the child asked for and what it was told is durable, in the order it happened.
            for (String line : completeLines(stdout)) {
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "S" -> {
                        long first = Long.parseLong(f[1]);
                        int count = Integer.parseInt(f[2]);
                        long term = Long.parseLong(f[3]);
                        if (first <= acknowledged.lastIndex()) {
                            truncations++;
                        }
                        acknowledged.truncateFrom(first);
                        for (int i = 0; i < count; i++) {
                            acknowledged.append(first + i, term);
                        }
                        ackedThrough = Math.min(ackedThrough, first - 1);
                    }
                    case "D" -> {
                        long index = Long.parseLong(f[1]);
                        long term = Long.parseLong(f[2]);
                        acks++;
                        // An acknowledgement of a state a later request already replaced says nothing new.
                        if (acknowledged.contains(index) && acknowledged.term(index) == term) {
                            ackedThrough = Math.max(ackedThrough, index);
                            acksChecked++;
                        }
                    }
                    case "C" -> {
                        maxCompaction = Math.max(maxCompaction, Long.parseLong(f[1]));
                        compactions++;
                    }
                    case "O" -> { }
                    default -> fail("unexpected line from the child: " + line);
                }
            }

            try (SegmentedLog log = SegmentedLog.open(dir, CrashChild.OPTIONS)) {
                long base = log.snapshotIndex();
                long last = log.lastIndex();
                assertThat(base).as("base after %s", context).isLessThanOrEqualTo(maxCompaction);
                assertThat(last).as("last index after %s: every acknowledged entry is kept", context)
                        .isGreaterThanOrEqualTo(ackedThrough);
                List<LogEntry> entries = log.entries(base + 1, last + 1, Long.MAX_VALUE);
                assertThat(entries).as("entries after %s", context).hasSize((int) (last - base));
                long previousTerm = log.snapshotTerm();
                for (int i = 0; i < entries.size(); i++) {
                    LogEntry e = entries.get(i);
                    assertThat(e.index()).as("gap-free after %s", context).isEqualTo(base + 1 + i);
                    assertThat(TestEntries.intact(e)).as("entry %s intact after %s", e, context).isTrue();
                    assertThat(e.term()).as("terms never decrease, %s", context).isGreaterThanOrEqualTo(previousTerm);
                    if (e.index() <= ackedThrough) {
                        assertThat(e.term()).as("acknowledged entry %d after %s", e.index(), context)
                                .isEqualTo(acknowledged.term(e.index()));
                    }
                    previousTerm = e.term();
                }
                // What survived is what the next child starts from.
                acknowledged = new LogTerms(base, log.snapshotTerm());
                for (LogEntry e : entries) {
                    acknowledged.append(e.index(), e.term());
                }
                ackedThrough = last;
                maxCompaction = base;
            }
        }
        System.out.printf("crash test: %d kills, %d acknowledgements (%d still standing when made), %d truncations,"
                + " %d compactions (seed %d)%n", KILLS, acks, acksChecked, truncations, compactions, SEED);
        assertThat(acks).as("acknowledgements seen").isGreaterThanOrEqualTo(KILLS);
        assertThat(truncations).as("truncations exercised").isPositive();
        assertThat(compactions).as("compactions exercised").isPositive();
    }

    /**
     * A child whose first move is a compaction, on a reopened log long enough to compact: it waits for the
     * queue to drain before compacting, and with nothing appended yet that wait must end at once — the log it
     * reopened is durable — rather than wait for an acknowledgement that never comes.
     */
    @Test
    void aChildWhoseFirstMoveIsACompactionStillAcknowledges() throws Exception {
        Path dir = temp.resolve("compact-first");
        try (SegmentedLog log = SegmentedLog.open(dir, CrashChild.OPTIONS)) {
            log.append(TestEntries.range(1, 1000, 7, 100));
        } // close finishes the queued append
        // CrashChild compacts when its first draw from Random(seed).nextInt(100) is 8 or 9 and the log holds
        // more than 700 entries past its base.
        long seed = 0;
        while (new Random(seed).nextInt(100) / 2 != 4) {
            seed++;
        }
        Path stdout = temp.resolve("compact-first.out");
        Path stderr = temp.resolve("compact-first.err");
        Process child = startChild(stdout, stderr, dir.toString(), Long.toString(seed), "100000");
        try {
            awaitFirstAcknowledgement(child, stdout, stderr, "child seed " + seed + " on a log of 1000 entries");
            assertThat(child.isAlive()).as("child alive, stderr: %s", read(stderr)).isTrue();
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
        assertThat(completeLines(stdout)).as("the child compacted first").startsWith("O 0 1000", "C 600 7");
    }

    @Test
    void aSecondProcessCannotOpenTheDirectory() throws Exception {
        Path dir = temp.resolve("held");
        Path stdout = temp.resolve("holder.out");
        Process holder = startChild(stdout, temp.resolve("holder.err"), dir.toString(), "hold");
        try {
            await().until(() -> !holder.isAlive() || Files.readString(stdout).startsWith("O "));
            assertThatThrownBy(() -> SegmentedLog.open(dir))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("in use by another process (pid " + holder.pid() + ")")
                    .hasMessageContaining("keel.lock");
            holder.getOutputStream().close(); // lets it close the log and exit
            assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            holder.destroyForcibly();
            holder.waitFor();
        }
        SegmentedLog.open(dir).close();
    }

    private static long seed(String property) {
        return property.isBlank() ? System.nanoTime() : Long.parseLong(property.trim());
    }

    private static Process startChild(Path stdout, Path stderr, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"),
                CrashChild.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
    }

    /** Lines ending in a newline: a kill may cut the last one short. */
    private static List<String> completeLines(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n"));
    }

    /**
     * Waits until the child has printed an acknowledgement ("D ...") or died; on a timeout, fails with the
     * child's thread dump, stderr and the tail of its stdout: evidence of where it is stuck, taken before the
     * kill.
     */
    private static void awaitFirstAcknowledgement(Process child, Path stdout, Path stderr, String context) {
        try {
            await().alias("a first acknowledgement, " + context).until(() -> !child.isAlive()
                    || Files.readString(stdout).contains("\nD "));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no acknowledgement from child pid " + child.pid() + " within the wait, "
                    + context + "\n--- child stdout (tail) ---\n" + tail(read(stdout)) + "\n--- child stderr ---\n"
                    + read(stderr) + "\n--- child thread dump ---\n" + threadDump(child), e);
        }
    }

    /** A thread dump of {@code process} by jcmd (jstack as a fallback) from this JVM's java.home. */
    private static String threadDump(Process process) {
        Path bin = Path.of(System.getProperty("java.home"), "bin");
        StringBuilder out = new StringBuilder();
        for (List<String> command : List.of(
                List.of(bin.resolve("jcmd").toString(), Long.toString(process.pid()), "Thread.print", "-l"),
                List.of(bin.resolve("jstack").toString(), "-l", Long.toString(process.pid())))) {
            try {
                Process tool = new ProcessBuilder(command).redirectErrorStream(true).start();
                byte[] text;
                try (var in = tool.getInputStream()) {
                    text = in.readAllBytes(); // returns once the tool exits; it stops by itself
                }
                boolean done = tool.waitFor(30, TimeUnit.SECONDS);
                tool.destroyForcibly();
                String dump = new String(text, StandardCharsets.UTF_8);
                if (done && tool.exitValue() == 0) {
                    return dump;
                }
                out.append(command).append(" failed:\n").append(dump).append('\n');
            } catch (IOException e) {
                out.append(command).append(" failed: ").append(e).append('\n');
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return out.append("interrupted").toString();
            }
        }
        return out.toString();
    }

    private static String tail(String text) {
        return text.length() <= 4000 ? text : "..." + text.substring(text.length() - 4000);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
