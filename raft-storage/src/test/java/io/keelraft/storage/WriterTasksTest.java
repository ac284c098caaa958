package io.keelraft.storage;

import static io.keelraft.storage.TestEntries.range;
import static io.keelraft.storage.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keelraft.core.spi.DurabilityListener;
import io.keelraft.core.StorageException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code LogStore.runInWriter}: the runtime saves term and vote on the log's writer thread, in the same group commit as
 * the entries, so tasks must run on that thread, in order with the writes, and survive a failing disk.
 */
class WriterTasksTest {

    /** Small segments, quick disk probes. */
    private static final SegmentedLogOptions OPTIONS = DiskErrorTest.OPTIONS;

    @TempDir
    Path dir;

    /** Every durability report and task run, in the order the writer made them. */
    private static final class Events implements DurabilityListener {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void durable(long index, long term) {
            seen.add("durable " + index);
        }

        @Override
        public void failed(StorageException cause) {
            seen.add("failed");
        }

        Runnable task(String name) {
            return () -> seen.add(name + " on " + Thread.currentThread().getName());
        }
    }

    @Test
    void tasksRunOnTheWriterAfterTheWritesBeforeThemAndBeforeTheWritesAfterThem() {
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS)) {
            Events events = new Events();
            log.setDurabilityListener(events);
            log.append(range(1, 3, 1, 100));
            log.runInWriter(events.task("a"));
            log.append(range(4, 2, 1, 100));
            log.runInWriter(events.task("b"));
            await().until(() -> events.seen.size() == 4);
            assertThat(events.seen).hasSize(4);
            assertThat(events.seen.get(0)).isEqualTo("durable 3");
            assertThat(events.seen.get(1)).startsWith("a on keel-log-writer-");
            assertThat(events.seen.get(2)).isEqualTo("durable 5");
            assertThat(events.seen.get(3)).startsWith("b on keel-log-writer-");
        }
    }

    @Test
    void aTaskThatThrowsDoesNotStopTheWriter() {
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS)) {
            Events events = new Events();
            log.setDurabilityListener(events);
            log.runInWriter(() -> {
                throw new IllegalStateException("a broken task");
            });
            log.append(range(1, 2, 1, 100));
            await().until(() -> events.seen.contains("durable 2"));
            assertThat(log.failure()).isEmpty();
        }
    }

    @Test
    void aTaskQueuedWhileTheDiskFailsRunsOnceItWorksAgainAfterTheFailedWritesAreReported() {
        DiskErrorTest.FlakyDisk disk = new DiskErrorTest.FlakyDisk();
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS, disk)) {
            Events events = new Events();
            log.setDurabilityListener(events);
            disk.failing = Disk.Op.WRITE;
            log.append(range(1, 3, 1, 100));
            log.runInWriter(events.task("saved"));
            await().until(() -> events.seen.contains("failed"));
            int failures = disk.failures.get();
            await().until(() -> disk.failures.get() >= failures + 2); // still probing: the task waits
            assertThat(events.seen).containsExactly("failed");

            disk.failing = null;
            await().until(() -> events.seen.size() == 2);
            assertThat(events.seen.get(1)).startsWith("saved on keel-log-writer-");
        }
    }

    @Test
    void aClosedLogRefusesTasks() {
        SegmentedLog log = SegmentedLog.open(dir, OPTIONS);
        log.close();
        assertThatThrownBy(() -> log.runInWriter(() -> { }))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("closed");
    }
}
