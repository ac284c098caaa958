package io.keelraft.storage;

import static io.keelraft.storage.TestEntries.entry;
import static io.keelraft.storage.TestEntries.range;
import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.protocol.LogEntry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer thread: group commit, and reads from another thread while it writes. */
class WriterTest {

    @TempDir
    Path dir;

    @Test
    void appendsQueuedDuringAForceShareTheNextForce() {
        AtomicInteger forces = new AtomicInteger();
        Disk.Faults countForces = (op, path) -> {
            if (op == Disk.Op.FORCE && path.toString().endsWith(".log")) {
                forces.incrementAndGet();
            }
        };
        int appends = 2000;
        try (SegmentedLog log = SegmentedLog.open(dir, SegmentedLogOptions.defaults(), countForces)) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            for (int i = 1; i <= appends; i++) {
                log.append(List.of(entry(i, 1, 128)));
            }
            listener.awaitDurable(appends, 1);
            // One durable call per group commit, each after one force of the segment.
            assertThat(listener.durable.size()).isLessThan(appends / 4);
            assertThat(forces.get()).isEqualTo(listener.durable.size());
            assertThat(listener.durable).extracting(RecordingListener.Durable::index).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    void withUnsafeSkipFsyncNothingIsForced() {
        AtomicInteger forces = new AtomicInteger();
        Disk.Faults countForces = (op, path) -> {
            if (op == Disk.Op.FORCE || op == Disk.Op.FORCE_DIRECTORY) {
                forces.incrementAndGet();
            }
        };
        try (SegmentedLog log = SegmentedLog.open(dir, SegmentedLogOptions.defaults().withUnsafeSkipFsync(true)
                .withSegmentBytes(4096), countForces)) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            log.append(range(1, 100, 1, 128));
            listener.awaitDurable(100, 1);
        }
        assertThat(forces.get()).isZero();
    }

    @Test
    void readsFromAnotherThreadNeverSeeATornOrHalfTruncatedLog() throws Exception {
        SegmentedLogOptions options = SegmentedLogOptions.defaults().withSegmentBytes(4096).withCacheBytes(2048);
        try (SegmentedLog log = SegmentedLog.open(dir, options)) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            AtomicBoolean done = new AtomicBoolean();
            ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            AtomicLong reads = new AtomicLong();
            Thread reader = new Thread(() -> {
                while (!done.get()) {
                    try {
                        long last = log.lastIndex();
                        long base = log.snapshotIndex();
                        if (last <= base) {
                            continue;
                        }
                        long from = Math.max(base + 1, last - 40);
                        List<LogEntry> read = log.entries(from, last + 1, Long.MAX_VALUE);
                        for (int i = 0; i < read.size(); i++) {
                            LogEntry e = read.get(i);
                            if (e.index() != from + i || !TestEntries.intact(e)) {
                                problems.add("read " + e + " at position " + i + " from " + from);
                            }
                            if (i > 0 && e.term() < read.get(i - 1).term()) {
                                problems.add("terms go backwards at " + e);
                            }
                        }
                        reads.incrementAndGet();
                    } catch (IndexOutOfBoundsException raced) {
                        // lastIndex moved between the two calls (a truncation or compaction): fine
                    }
                }
            }, "test-reader");
            reader.start();
            long last = 0;
            long term = 1;
            for (int round = 0; round < 300; round++) {
                if (round % 10 == 9 && last > 20) {
                    term++;
                    long from = last - 15; // replace the last 16 entries with a higher term
                    log.append(range(from, 20, term, 100));
                    last = from + 19;
                } else {
                    log.append(range(last + 1, 5, term, 100));
                    last += 5;
                }
                if (round % 50 == 49) {
                    long upTo = last - 60;
                    listener.awaitDurable(last, term);
                    log.compactTo(upTo, log.term(upTo));
                }
            }
            listener.awaitDurable(last, term);
            done.set(true);
            reader.join();
            assertThat(problems).isEmpty();
            assertThat(reads.get()).isPositive();
            assertThat(log.lastIndex()).isEqualTo(last);
            assertThat(log.entries(log.snapshotIndex() + 1, last + 1, Long.MAX_VALUE)).allMatch(TestEntries::intact);
        }
    }
}
