package io.keelraft.storage;

import static io.keelraft.storage.TestEntries.range;
import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.protocol.LogEntry;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process that has run out of file descriptors (EMFILE — say, a flood of client connections) keeps its log
 * working: appending, rolling to the next segment, truncating into a full segment, compacting and reading old
 * entries open no file. Every file open is refused through the {@link Disk.Faults} hook — every open in the
 * storage code goes through {@link Disk#open} or {@link Disk#forceDirectory(Path)} — so this is deterministic.
 */
class DescriptorShortageTest {

    @TempDir
    Path dir;

    /** Refuses every open, as the kernel does when the process is at its descriptor limit. */
    static final class NoDescriptors implements Disk.Faults {
        volatile boolean exhausted;
        final AtomicInteger refused = new AtomicInteger();

        @Override
        public void before(Disk.Op op, Path path) throws IOException {
            if (exhausted && op == Disk.Op.OPEN) {
                refused.incrementAndGet();
                throw new FileSystemException(path.toString(), null, "Too many open files");
            }
        }
    }

    @ParameterizedTest(name = "preallocate={0}")
    @ValueSource(booleans = {true, false})
    void theLogWritesOnWithoutOpeningAFile(boolean preallocate) {
        // Small segments (about 30 of these entries each) and no cache, so that reads go to the files.
        SegmentedLogOptions options = SegmentedLogOptions.defaults().withSegmentBytes(4096).withCacheBytes(0)
                .withPreallocate(preallocate);
        try (SegmentedLog log = SegmentedLog.open(dir, options)) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            log.append(range(1, 20, 1, 100));
            listener.awaitDurable(20, 1);
        }
        NoDescriptors faults = new NoDescriptors();
        List<LogEntry> expected = new ArrayList<>();
        try (SegmentedLog log = SegmentedLog.open(dir, options, faults)) { // recovered segments hold their files
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            faults.exhausted = true;

            log.append(range(21, 20, 1, 100)); // rolls to a second segment
            listener.awaitDurable(40, 1);
            assertThat(log.entries(1, 41, Long.MAX_VALUE)).isEqualTo(range(1, 40, 1, 100));

            log.append(range(25, 3, 2, 100)); // a new leader's entries: truncates back into the full first segment
            listener.awaitDurable(27, 2);

            log.compactTo(20, 1); // writes the base file and forces the directory
            log.append(range(28, 3, 2, 100)); // queued after the compaction: durable only once it is done
            listener.awaitDurable(30, 2);

            expected.addAll(range(21, 4, 1, 100));
            expected.addAll(range(25, 6, 2, 100));
            assertThat(log.entries(21, 31, Long.MAX_VALUE)).isEqualTo(expected);
            assertThat(listener.failures).isEmpty();
            assertThat(log.failure()).isEmpty();
            assertThat(faults.refused.get()).as("opens refused meanwhile").isPositive();

            faults.exhausted = false; // descriptors are back: the log opens its next segment ahead again
            log.append(range(31, 40, 2, 100));
            listener.awaitDurable(70, 2);
            expected.addAll(range(31, 40, 2, 100));
            assertThat(listener.failures).isEmpty();
        }
        try (SegmentedLog log = SegmentedLog.open(dir, options)) {
            assertThat(log.snapshotIndex()).isEqualTo(20);
            assertThat(log.entries(21, log.lastIndex() + 1, Long.MAX_VALUE)).isEqualTo(expected);
        }
    }

    @Test
    void aSecondRollDuringOneShortageWaitsForADescriptorInsteadOfFailing() {
        SegmentedLogOptions options = SegmentedLogOptions.defaults().withSegmentBytes(4096)
                .withRetryDelays(Duration.ofMillis(1), Duration.ofMillis(20));
        NoDescriptors faults = new NoDescriptors();
        try (SegmentedLog log = SegmentedLog.open(dir, options, faults)) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            log.append(range(1, 1, 1, 100)); // the first segment
            listener.awaitDurable(1, 1);
            faults.exhausted = true;
            log.append(range(2, 39, 1, 100)); // the next roll takes the spare opened ahead
            listener.awaitDurable(40, 1);
            log.append(range(41, 40, 1, 100)); // the second finds none, and cannot open one
            int refusedBefore = faults.refused.get();
            Waits.await().until(() -> faults.refused.get() > refusedBefore + 3); // it keeps trying...
            assertThat(listener.failures).as("appends wait, they do not fail").isEmpty();
            assertThat(log.failure()).isEmpty();
            assertThat(listener.last().index()).isLessThan(80);

            faults.exhausted = false; // ...and goes on once a descriptor is free
            listener.awaitDurable(80, 1);
            assertThat(listener.failures).isEmpty();
            assertThat(log.entries(1, 81, Long.MAX_VALUE)).isEqualTo(range(1, 80, 1, 100));
        }
    }
}
