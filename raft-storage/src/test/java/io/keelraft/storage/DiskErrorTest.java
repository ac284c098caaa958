package io.keelraft.storage;

import static io.keelraft.storage.TestEntries.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static io.keelraft.storage.Waits.await;

import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.StorageException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An IOException fails the pending appends, stops appends, and the log recovers by itself. */
class DiskErrorTest {

    static final SegmentedLogOptions OPTIONS = SegmentedLogOptions.defaults()
            .withSegmentBytes(4096)
            .withRetryDelays(Duration.ofMillis(2), Duration.ofMillis(20));

    @TempDir
    Path dir;

    /** Fails chosen operations on segment files until healed, and counts failed attempts. */
    static final class FlakyDisk implements Disk.Faults {
        volatile Disk.Op failing;
        final AtomicInteger failures = new AtomicInteger();

        @Override
        public void before(Disk.Op op, Path path) throws IOException {
            if (op == failing) {
                failures.incrementAndGet();
                throw new IOException("No space left on device (simulated, " + op + " " + path.getFileName() + ")");
            }
        }
    }

    @Test
    void aFailedWriteFailsPendingAppendsAndTheLogRecoversOnceTheDiskWorks() {
        FlakyDisk disk = new FlakyDisk();
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS, disk)) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            log.append(range(1, 10, 1, 100));
            listener.awaitDurable(10, 1);

            disk.failing = Disk.Op.WRITE;
            log.append(range(11, 10, 1, 100));
            listener.awaitFailures(1);
            assertThat(listener.failures.get(0)).hasMessageContaining("No space left on device");
            assertThat(listener.durable).noneMatch(d -> d.index() > 10);
            assertThat(log.failure()).isPresent();
            assertThatThrownBy(() -> log.append(range(11, 1, 1, 100)))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("accepts no appends until its disk works again")
                    .hasMessageContaining("No space left on device");
            assertThat(log.lastIndex()).isEqualTo(10);

            // The writer keeps probing while the disk fails...
            int before = disk.failures.get();
            await().until(() -> disk.failures.get() >= before + 3);
            assertThat(log.failure()).isPresent();
            // ...and takes appends again by itself once it works.
            disk.failing = null;
            await().until(() -> log.failure().isEmpty());
            log.append(range(11, 10, 2, 100));
            listener.awaitDurable(20, 2);
        }
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS)) {
            assertThat(log.entries(1, log.lastIndex() + 1, Long.MAX_VALUE))
                    .containsExactlyElementsOf(concat(range(1, 10, 1, 100), range(11, 10, 2, 100)));
        }
    }

    @Test
    void aFailedForceDropsTheUnforcedBytesBeforeWritingAgain() {
        FlakyDisk disk = new FlakyDisk();
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS, disk)) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            log.append(range(1, 5, 1, 100));
            listener.awaitDurable(5, 1);
            disk.failing = Disk.Op.FORCE; // written, but fsync fails: the bytes' fate is unknown
            log.append(range(6, 5, 1, 100));
            listener.awaitFailures(1);
            disk.failing = null;
            await().until(() -> log.failure().isEmpty());
            assertThat(log.lastIndex()).isEqualTo(5);
            log.append(range(6, 2, 3, 100));
            listener.awaitDurable(7, 3);
        }
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS)) {
            assertThat(log.entries(1, log.lastIndex() + 1, Long.MAX_VALUE))
                    .containsExactlyElementsOf(concat(range(1, 5, 1, 100), range(6, 2, 3, 100)));
        }
    }

    @Test
    void randomFailuresOfAnyOperationNeverLeaveTheFilesDifferentFromWhatReadersSaw() {
        Random random = new Random(42);
        Disk.Faults faults = (op, path) -> {
            if (op != Disk.Op.OPEN && random.nextInt(25) == 0) {
                throw new IOException("simulated I/O error on " + op + " " + path.getFileName());
            }
        };
        List<LogEntry> seen;
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS, faults)) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            long term = 1;
            Random workload = new Random(7);
            for (int round = 0; round < 300; round++) {
                await().until(() -> log.failure().isEmpty());
                long last = log.lastIndex();
                long base = log.snapshotIndex();
                long from = last + 1;
                int choice = workload.nextInt(10);
                if (choice == 0 && last - base > 10) {
                    from = last - workload.nextInt(10);
                    term++;
                } else if (choice == 1 && last - base > 40) {
                    long upTo = base + 20;
                    log.compactTo(upTo, log.term(upTo));
                    continue;
                }
                int failuresBefore = listener.failures.size();
                List<LogEntry> batch = range(from, 1 + workload.nextInt(8), term, 100);
                try {
                    log.append(batch);
                } catch (StorageException failedMeanwhile) {
                    continue;
                }
                LogEntry lastEntry = batch.get(batch.size() - 1);
                await().until(() -> listener.failures.size() > failuresBefore
                        || lastEntry.equals(lastDurable(log, listener)));
            }
            await().until(() -> log.failure().isEmpty());
            seen = log.entries(log.snapshotIndex() + 1, log.lastIndex() + 1, Long.MAX_VALUE);
            assertThat(seen).allMatch(TestEntries::intact);
        }
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS)) {
            List<LogEntry> reopened = log.entries(log.snapshotIndex() + 1, log.lastIndex() + 1, Long.MAX_VALUE);
            // A compaction interrupted by a failure may leave the base lower on disk; the entries agree.
            assertThat(reopened).endsWith(seen.toArray(LogEntry[]::new));
            assertThat(log.lastIndex()).isEqualTo(seen.isEmpty() ? log.lastIndex() : seen.get(seen.size() - 1).index());
        }
    }

    private static LogEntry lastDurable(SegmentedLog log, RecordingListener listener) {
        RecordingListener.Durable last = listener.last();
        if (last == null || last.index() <= log.snapshotIndex() || last.index() > log.lastIndex()) {
            return null;
        }
        return log.entries(last.index(), last.index() + 1, Long.MAX_VALUE).get(0);
    }

    private static List<LogEntry> concat(List<LogEntry> a, List<LogEntry> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
