package io.keelraft.storage;

import static io.keelraft.storage.TestEntries.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.StorageCorruptedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Segments taken from a preallocated spare: zero-filled files whose unused tail reads as the segment's end. */
class PreallocationTest {

    private static final int SEGMENT = 64 << 10;
    private static final SegmentedLogOptions OPTIONS = SegmentedLogOptions.defaults().withSegmentBytes(SEGMENT);
    private static final int PAYLOAD = 50;
    private static final int RECORD = RecordFormat.HEADER_BYTES + PAYLOAD;

    @TempDir
    Path dir;

    private Path spare() {
        return dir.resolve(SegmentPreallocator.SPARE_NAME);
    }

    private void awaitSpare() {
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(spare()) && Files.size(spare()) == SEGMENT);
    }

    /** Appends {@code count} entries from {@code first} and waits until they are durable. */
    private void append(SegmentedLog log, long first, int count) {
        RecordingListener listener = new RecordingListener();
        log.setDurabilityListener(listener);
        log.append(range(first, count, 1, PAYLOAD));
        listener.awaitDurable(first + count - 1, 1);
    }

    private List<LogEntry> reopenAndReadAll() {
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS)) {
            return log.entries(1, log.lastIndex() + 1, Long.MAX_VALUE);
        }
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> Segment.parseFileName(f.getFileName().toString()) >= 0).sorted().toList();
        }
    }

    @Test
    void segmentsComeFromZeroFilledSparesAndReopenWhereTheirRecordsEnd() throws IOException {
        int perSegment = (SEGMENT - Segment.HEADER_BYTES) / RECORD;
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS)) {
            awaitSpare();
            append(log, 1, 10);
            awaitSpare(); // the next one
            append(log, 11, perSegment * 2);
        }
        List<Path> segments = segments();
        assertThat(segments).hasSizeGreaterThanOrEqualTo(3);
        // the first two came from spares that were ready; a later one may have been created plainly if the
        // writer rolled again before the next spare was filled
        for (Path segment : segments.subList(0, 2)) {
            assertThat(Files.size(segment)).as("%s keeps its preallocated size", segment).isEqualTo(SEGMENT);
        }
        assertThat(reopenAndReadAll()).hasSize(10 + perSegment * 2).allMatch(TestEntries::intact);
        // and the reopened log appends after its last record, not after the zeros
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS)) {
            append(log, 11 + perSegment * 2, 5);
        }
        assertThat(reopenAndReadAll()).hasSize(15 + perSegment * 2).allMatch(TestEntries::intact);
    }

    @Test
    void aTornRecordInsideThePreallocatedSpaceIsDropped() throws IOException {
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS)) {
            awaitSpare();
            append(log, 1, 20);
        }
        Path segment = segments().get(0);
        long end = Segment.HEADER_BYTES + 20L * RECORD;
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ByteBuffer torn = ByteBuffer.allocate(RECORD / 2);
            while (torn.hasRemaining()) {
                torn.put((byte) 0x3C);
            }
            channel.write(torn.flip(), end);
        }
        assertThat(reopenAndReadAll()).containsExactlyElementsOf(range(1, 20, 1, PAYLOAD));
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS)) {
            append(log, 21, 3);
        }
        assertThat(reopenAndReadAll()).hasSize(23).allMatch(TestEntries::intact);
    }

    @Test
    void zerosThatHideRecordsOfASegmentThatIsNotTheLastAreRefused() throws IOException {
        int perSegment = (SEGMENT - Segment.HEADER_BYTES) / RECORD;
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS)) {
            awaitSpare();
            append(log, 1, perSegment + 10);
        }
        Path first = segments().get(0);
        try (FileChannel channel = FileChannel.open(first, StandardOpenOption.WRITE)) {
            // the last five records of the first segment read as unused space now
            channel.write(ByteBuffer.allocate(5 * RECORD + 64), Segment.HEADER_BYTES + (perSegment - 5L) * RECORD);
        }
        assertThatThrownBy(this::reopenAndReadAll).isInstanceOf(StorageCorruptedException.class)
                .hasMessageContaining("entries are missing");
    }

    @Test
    void aSpareLeftByACrashIsDeletedOnOpen() throws IOException {
        Files.write(spare(), new byte[1234]);
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS)) {
            awaitSpare(); // refilled whole
            append(log, 1, 3);
        }
        assertThat(reopenAndReadAll()).hasSize(3);
    }

    @Test
    void withoutPreallocationNoSpareIsMade() throws IOException {
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS.withPreallocate(false))) {
            append(log, 1, 3);
        }
        assertThat(spare()).doesNotExist();
        assertThat(Files.size(segments().get(0))).isEqualTo(Segment.HEADER_BYTES + 3L * RECORD);
    }
}
