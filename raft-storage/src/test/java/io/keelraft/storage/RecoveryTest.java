package io.keelraft.storage;

import static io.keelraft.storage.TestEntries.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.StorageCorruptedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening after damage: torn tails are repaired, real corruption is refused with its place named. */
class RecoveryTest {

    private static final int PAYLOAD = 50;
    private static final int RECORD = RecordFormat.HEADER_BYTES + PAYLOAD;
    /** Without preallocation, so that a segment's file size is where its records end (PreallocationTest covers it). */
    private static final SegmentedLogOptions OPTIONS = SegmentedLogOptions.defaults().withSegmentBytes(64 << 10)
            .withPreallocate(false);

    @TempDir
    Path dir;

    /** A log of entries 1..100 in one segment, closed. */
    @BeforeEach
    void writeLog() {
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS)) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            log.append(range(1, 100, 1, PAYLOAD));
            listener.awaitDurable(100, 1);
        }
    }

    private Path segment() {
        return dir.resolve("00000000000000000001.log");
    }

    private static long offsetOf(long index) {
        return Segment.HEADER_BYTES + (index - 1) * RECORD;
    }

    private List<LogEntry> reopenAndReadAll() {
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS)) {
            return log.entries(1, log.lastIndex() + 1, Long.MAX_VALUE);
        }
    }

    private void flipByte(Path file, long offset) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            channel.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x5A)).rewind();
            channel.write(b, offset);
        }
    }

    @Test
    void aRecordCutShortAtTheTailIsTruncated() throws IOException {
        try (FileChannel channel = FileChannel.open(segment(), StandardOpenOption.WRITE)) {
            channel.truncate(offsetOf(100) + 30);
        }
        assertThat(reopenAndReadAll()).containsExactlyElementsOf(range(1, 99, 1, PAYLOAD));
        assertThat(Files.size(segment())).isEqualTo(offsetOf(100));
    }

    @Test
    void aHeaderCutShortAtTheTailIsTruncated() throws IOException {
        try (FileChannel channel = FileChannel.open(segment(), StandardOpenOption.WRITE)) {
            channel.truncate(offsetOf(100) + 3);
        }
        assertThat(reopenAndReadAll()).hasSize(99);
    }

    @Test
    void aBadChecksumInTheLastRecordIsATornTail() throws IOException {
        flipByte(segment(), offsetOf(100) + RecordFormat.HEADER_BYTES + 7);
        assertThat(reopenAndReadAll()).containsExactlyElementsOf(range(1, 99, 1, PAYLOAD));
    }

    @Test
    void zeroedBytesAfterTheLastRecordEndTheSegment() throws IOException {
        // What a preallocated segment looks like: zeros after the last record are its unused space.
        try (FileChannel channel = FileChannel.open(segment(), StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(10_000), Files.size(segment()));
        }
        assertThat(reopenAndReadAll()).containsExactlyElementsOf(range(1, 100, 1, PAYLOAD));
        assertThat(Files.size(segment())).isEqualTo(offsetOf(101) + 10_000);
        // and the repaired log takes appends where it ended
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS)) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            log.append(range(101, 1, 2, PAYLOAD));
            listener.awaitDurable(101, 2);
        }
        assertThat(reopenAndReadAll()).hasSize(101).allMatch(TestEntries::intact);
    }

    @Test
    void aRecordZeroedInTheMiddleOfTheTailBatchWithValidRecordsAfterItIsRefused() throws IOException {
        try (FileChannel channel = FileChannel.open(segment(), StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(RECORD), offsetOf(60));
        }
        assertThatThrownBy(this::reopenAndReadAll)
                .isInstanceOfSatisfying(StorageCorruptedException.class, e -> {
                    assertThat(e.file()).isEqualTo(segment().toAbsolutePath());
                    assertThat(e.offset()).isEqualTo(offsetOf(60));
                    assertThat(e.index()).isEqualTo(60);
                })
                .hasMessageContaining(segment().getFileName().toString())
                .hasMessageContaining("byte offset " + offsetOf(60))
                .hasMessageContaining("index 60")
                .hasMessageContaining("a valid record follows at byte offset " + offsetOf(61));
    }

    @Test
    void aFlippedByteInTheMiddleIsRefusedNamingFileOffsetAndIndex() throws IOException {
        flipByte(segment(), offsetOf(42) + RecordFormat.HEADER_BYTES + 3);
        assertThatThrownBy(this::reopenAndReadAll)
                .isInstanceOfSatisfying(StorageCorruptedException.class, e -> {
                    assertThat(e.offset()).isEqualTo(offsetOf(42));
                    assertThat(e.index()).isEqualTo(42);
                })
                .hasMessageContaining("checksum mismatch");
        // Refusing leaves the file alone, so that nothing that may be committed is thrown away.
        assertThat(Files.size(segment())).isEqualTo(offsetOf(101));
    }

    @Test
    void aFlippedLengthFieldInTheMiddleIsRefused() throws IOException {
        flipByte(segment(), offsetOf(10) + 1); // the length becomes huge: runs past the end of the file
        assertThatThrownBy(this::reopenAndReadAll)
                .isInstanceOfSatisfying(StorageCorruptedException.class, e -> assertThat(e.index()).isEqualTo(10));
    }

    @Test
    void damageInASegmentThatIsNotTheLastIsRefused() throws IOException {
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS.withSegmentBytes(SegmentedLogOptions.MIN_SEGMENT_BYTES))) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            log.append(range(101, 30, 1, PAYLOAD)); // rolls into new, small segments
            listener.awaitDurable(130, 1);
        }
        // The last record of the first segment: nothing valid follows it inside that file.
        flipByte(segment(), offsetOf(100) + RecordFormat.HEADER_BYTES);
        assertThatThrownBy(this::reopenAndReadAll)
                .isInstanceOfSatisfying(StorageCorruptedException.class, e -> assertThat(e.index()).isEqualTo(100))
                .hasMessageContaining("later segments exist");
    }

    @Test
    void aMissingSegmentIsAGap() throws IOException {
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS.withSegmentBytes(SegmentedLogOptions.MIN_SEGMENT_BYTES))) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            log.append(range(101, 60, 1, PAYLOAD));
            listener.awaitDurable(160, 1);
        }
        List<Path> segments;
        try (Stream<Path> files = Files.list(dir)) {
            segments = files.filter(f -> f.toString().endsWith(".log")).sorted().toList();
        }
        assertThat(segments.size()).isGreaterThan(3);
        Files.delete(segments.get(2));
        assertThatThrownBy(this::reopenAndReadAll)
                .isInstanceOf(StorageCorruptedException.class)
                .hasMessageContaining("entries are missing");
    }

    @Test
    void leftoverTemporaryFilesAreRemoved() throws IOException {
        Files.write(dir.resolve("00000000000000000101.log.tmp"), new byte[7]);
        Files.write(dir.resolve("base.tmp"), new byte[3]);
        assertThat(reopenAndReadAll()).hasSize(100);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void aDamagedBaseFileIsRefused() throws IOException {
        try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS)) {
            log.compactTo(10, 1);
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            log.append(range(101, 1, 1, PAYLOAD)); // queued behind the compaction: the base file is written
            listener.awaitDurable(101, 1);
        }
        flipByte(dir.resolve("base"), 9);
        assertThatThrownBy(this::reopenAndReadAll)
                .isInstanceOf(StorageCorruptedException.class)
                .hasMessageContaining("damaged log base file")
                .hasMessageContaining("checksum mismatch");
    }
}
