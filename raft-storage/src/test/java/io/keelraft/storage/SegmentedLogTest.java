package io.keelraft.storage;

import static io.keelraft.storage.TestEntries.entry;
import static io.keelraft.storage.TestEntries.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentedLogTest {

    @TempDir
    Path dir;

    private static SegmentedLogOptions smallSegments() {
        return SegmentedLogOptions.defaults().withSegmentBytes(SegmentedLogOptions.MIN_SEGMENT_BYTES);
    }

    private static List<LogEntry> readAll(SegmentedLog log) {
        return log.entries(log.snapshotIndex() + 1, log.lastIndex() + 1, Long.MAX_VALUE);
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".log")).sorted().toList();
        }
    }

    @Test
    void appendsBecomeDurableInOrderOnTheWriterThreadAndSurviveReopen() {
        List<LogEntry> first = range(1, 3, 1, 10);
        List<LogEntry> second = range(4, 2, 2, 10);
        try (SegmentedLog log = SegmentedLog.open(dir)) {
            assertThat(log.lastIndex()).isZero();
            assertThat(log.snapshotIndex()).isZero();
            assertThat(log.term(0)).isZero();
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            log.append(first);
            log.append(second);
            listener.awaitDurable(5, 2);
            assertThat(listener.durable).extracting(RecordingListener.Durable::index).isSorted();
            assertThat(listener.durable).allSatisfy(d -> assertThat(d.thread()).startsWith("keel-log-writer-"));
            assertThat(log.lastIndex()).isEqualTo(5);
            assertThat(log.term(3)).isEqualTo(1);
            assertThat(log.term(4)).isEqualTo(2);
            assertThat(readAll(log)).containsExactlyElementsOf(concat(first, second));
        }
        try (SegmentedLog log = SegmentedLog.open(dir)) {
            assertThat(log.lastIndex()).isEqualTo(5);
            assertThat(log.term(5)).isEqualTo(2);
            assertThat(readAll(log)).containsExactlyElementsOf(concat(first, second));
        }
    }

    @Test
    void rollsSegmentsAndReadsAcrossThemFromDiskAndCache() throws IOException {
        List<LogEntry> entries = range(1, 100, 3, 100);
        SegmentedLogOptions noCache = smallSegments().withCacheBytes(0);
        try (SegmentedLog log = SegmentedLog.open(dir, noCache)) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            for (int i = 0; i < 100; i += 10) {
                log.append(entries.subList(i, i + 10));
            }
            listener.awaitDurable(100, 3);
            assertThat(segmentFiles()).hasSizeGreaterThan(10);
            assertThat(readAll(log)).containsExactlyElementsOf(entries);
            assertThat(log.entries(7, 93, Long.MAX_VALUE)).containsExactlyElementsOf(entries.subList(6, 92));
        }
        try (SegmentedLog log = SegmentedLog.open(dir, smallSegments())) {
            assertThat(readAll(log)).containsExactlyElementsOf(entries);
            // Every segment but the first starts right after the previous one ends.
            assertThat(segmentFiles().get(0).getFileName().toString()).isEqualTo("00000000000000000001.log");
        }
    }

    @Test
    void entriesStopAtTheByteBudgetButReturnAtLeastOne() {
        try (SegmentedLog log = SegmentedLog.open(dir, smallSegments().withCacheBytes(0))) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            log.append(range(1, 20, 1, 68)); // 100 bytes each as LogEntry.sizeInBytes counts
            listener.awaitDurable(20, 1);
            assertThat(log.entries(1, 21, 1)).hasSize(1);
            assertThat(log.entries(1, 21, 350)).hasSize(3);
            assertThat(log.entries(5, 5, 350)).isEmpty();
            assertThatThrownBy(() -> log.entries(0, 3, 100)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> log.entries(1, 22, 100)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> log.term(21)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void appendAtAnExistingIndexTruncatesTheSuffixAcrossSegments() throws IOException {
        try (SegmentedLog log = SegmentedLog.open(dir, smallSegments())) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            log.append(range(1, 60, 1, 100));
            listener.awaitDurable(60, 1);
            int segmentsBefore = segmentFiles().size();
            log.append(range(25, 3, 2, 100)); // replaces 25..60
            listener.awaitDurable(27, 2);
            assertThat(log.lastIndex()).isEqualTo(27);
            assertThat(segmentFiles().size()).isLessThan(segmentsBefore);
            assertThat(readAll(log)).containsExactlyElementsOf(concat(range(1, 24, 1, 100), range(25, 3, 2, 100)));
            // A truncation queued right behind the append it cuts short never reaches the disk.
            log.append(range(28, 5, 2, 100));
            log.append(range(30, 2, 3, 100));
            listener.awaitDurable(31, 3);
            assertThat(log.lastIndex()).isEqualTo(31);
            assertThat(log.term(29)).isEqualTo(2);
            assertThat(log.term(30)).isEqualTo(3);
        }
        try (SegmentedLog log = SegmentedLog.open(dir, smallSegments())) {
            assertThat(log.lastIndex()).isEqualTo(31);
            assertThat(readAll(log)).allMatch(TestEntries::intact);
            assertThat(log.term(24)).isEqualTo(1);
            assertThat(log.term(25)).isEqualTo(2);
        }
    }

    @Test
    void truncatingEveryEntryStartsTheLogOver() {
        try (SegmentedLog log = SegmentedLog.open(dir, smallSegments())) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            log.append(range(1, 30, 1, 100));
            listener.awaitDurable(30, 1);
            log.append(range(1, 2, 2, 100));
            listener.awaitDurable(2, 2);
            assertThat(readAll(log)).containsExactlyElementsOf(range(1, 2, 2, 100));
        }
        try (SegmentedLog log = SegmentedLog.open(dir, smallSegments())) {
            assertThat(readAll(log)).containsExactlyElementsOf(range(1, 2, 2, 100));
        }
    }

    @Test
    void appendsThatLeaveAGapOrAreNotConsecutiveAreRejected() {
        try (SegmentedLog log = SegmentedLog.open(dir)) {
            log.append(range(1, 2, 1, 1));
            assertThatThrownBy(() -> log.append(range(4, 1, 1, 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot append at index 4");
            assertThatThrownBy(() -> log.append(List.of(entry(3, 1, 1), entry(5, 1, 1))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not consecutive");
            log.append(List.of()); // nothing to do
        }
    }

    @Test
    void compactionDropsWholeSegmentsAndTheBaseSurvivesReopen() throws IOException {
        List<LogEntry> entries = range(1, 100, 1, 100);
        try (SegmentedLog log = SegmentedLog.open(dir, smallSegments())) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            log.append(entries);
            listener.awaitDurable(100, 1);
            int segmentsBefore = segmentFiles().size();
            log.compactTo(50, 1);
            assertThat(log.snapshotIndex()).isEqualTo(50);
            assertThat(log.snapshotTerm()).isEqualTo(1);
            assertThat(log.term(50)).isEqualTo(1);
            assertThatThrownBy(() -> log.entries(50, 52, Long.MAX_VALUE)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(readAll(log)).containsExactlyElementsOf(entries.subList(50, 100));
            // The files follow on the writer thread: appends after the compaction are ordered behind it.
            log.append(range(101, 1, 1, 100));
            listener.awaitDurable(101, 1);
            assertThat(segmentFiles().size()).isLessThan(segmentsBefore);
            assertThat(Files.exists(dir.resolve("base"))).isTrue();
        }
        try (SegmentedLog log = SegmentedLog.open(dir, smallSegments().withCacheBytes(0))) {
            assertThat(log.snapshotIndex()).isEqualTo(50);
            assertThat(log.term(50)).isEqualTo(1);
            assertThat(log.lastIndex()).isEqualTo(101);
            assertThat(readAll(log)).containsExactlyElementsOf(concat(entries.subList(50, 100), range(101, 1, 1, 100)));
        }
    }

    @Test
    void compactionToAnEntryTheLogDoesNotHoldDiscardsTheLog() throws IOException {
        try (SegmentedLog log = SegmentedLog.open(dir, smallSegments())) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            log.append(range(1, 40, 1, 100));
            listener.awaitDurable(40, 1);
            log.compactTo(30, 7); // entry 30 has term 1, not 7: a snapshot that replaces the log
            assertThat(log.snapshotIndex()).isEqualTo(30);
            assertThat(log.lastIndex()).isEqualTo(30);
            assertThatThrownBy(() -> log.append(range(32, 1, 7, 100))).isInstanceOf(IllegalArgumentException.class);
            log.append(range(31, 2, 7, 100));
            listener.awaitDurable(32, 7);
            assertThat(readAll(log)).containsExactlyElementsOf(range(31, 2, 7, 100));
            log.compactTo(500, 9); // beyond the end
            assertThat(log.lastIndex()).isEqualTo(500);
            log.append(range(501, 1, 9, 100));
            listener.awaitDurable(501, 9);
            assertThat(segmentFiles()).extracting(p -> p.getFileName().toString())
                    .containsExactly("00000000000000000501.log");
        }
        try (SegmentedLog log = SegmentedLog.open(dir, smallSegments())) {
            assertThat(log.snapshotIndex()).isEqualTo(500);
            assertThat(log.snapshotTerm()).isEqualTo(9);
            assertThat(readAll(log)).containsExactlyElementsOf(range(501, 1, 9, 100));
        }
    }

    @Test
    void compactionOfEntriesStillQueuedKeepsTheLaterOnes() {
        try (SegmentedLog log = SegmentedLog.open(dir, smallSegments())) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            log.append(range(1, 50, 1, 100));
            log.compactTo(40, 1); // perhaps before the writer has even started on them
            assertThat(log.snapshotIndex()).isEqualTo(40);
            listener.awaitDurable(50, 1);
            assertThat(log.lastIndex()).isEqualTo(50);
            assertThat(readAll(log)).containsExactlyElementsOf(range(41, 10, 1, 100));
        }
        try (SegmentedLog log = SegmentedLog.open(dir, smallSegments())) {
            assertThat(log.snapshotIndex()).isEqualTo(40);
            assertThat(readAll(log)).containsExactlyElementsOf(range(41, 10, 1, 100));
        }
    }

    @Test
    void closeStopsTheWriterThreadAndLaterCallsFail() {
        SegmentedLog log = SegmentedLog.open(dir);
        RecordingListener listener = new RecordingListener();
        log.setDurabilityListener(listener);
        log.append(range(1, 5, 1, 10));
        log.close();
        // close finished the queued appends
        assertThat(listener.last()).isEqualTo(new RecordingListener.Durable(5, 1, listener.last().thread()));
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("keel-log-writer-"
                + dir.getFileName()));
        assertThatThrownBy(() -> log.append(range(6, 1, 1, 10))).isInstanceOf(StorageException.class)
                .hasMessageContaining("closed");
        log.close(); // idempotent
    }

    @Test
    void aSecondOpenOfTheSameDirectoryInThisProcessIsRefused() {
        try (SegmentedLog log = SegmentedLog.open(dir)) {
            assertThatThrownBy(() -> SegmentedLog.open(dir))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("already open in this process")
                    .hasMessageContaining("keel.lock");
        }
        SegmentedLog.open(dir).close(); // released on close
    }

    private static List<LogEntry> concat(List<LogEntry> a, List<LogEntry> b) {
        return Stream.concat(a.stream(), b.stream()).toList();
    }
}
