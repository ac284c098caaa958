package io.keelraft.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.spi.SnapshotFile;
import io.keelraft.core.spi.SnapshotSink;
import io.keelraft.core.StorageCorruptedException;
import io.keelraft.core.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSnapshotStoreTest {

    @TempDir
    Path dir;

    static SnapshotMeta meta(long index, long term) {
        return new SnapshotMeta(index, term, new ClusterConfiguration(Set.of("a", "b", "c"), Set.of("l" + index),
                Set.of()));
    }

    /** Deterministic data for a snapshot at {@code index}. */
    static byte[] data(long index, int size) {
        byte[] bytes = new byte[size];
        new Random(index * 7919).nextBytes(bytes);
        return bytes;
    }

    static int crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    private static StoredSnapshot write(FileSnapshotStore store, long index, long term, byte[] data) throws IOException {
        try (SnapshotWriter writer = store.create(meta(index, term))) {
            writer.stream().write(data);
            return writer.commit();
        }
    }

    private static byte[] readAll(SnapshotFile snapshot) throws IOException {
        try (InputStream in = snapshot.open()) {
            return in.readAllBytes();
        }
    }

    private List<String> names() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> !n.equals("keel.lock")).sorted().toList();
        }
    }

    private static void flipByte(Path file, int offset) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[offset] ^= 0x40;
        Files.write(file, bytes);
    }

    @Test
    void aCommittedSnapshotIsTheLatestAndReadsBackWithItsMetadata() throws IOException {
        byte[] data = data(100, 300_000);
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2)) {
            assertThat(store.latest()).isEmpty();
            write(store, 100, 3, data);
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2)) {
            SnapshotFile latest = store.latest().orElseThrow();
            assertThat(latest.meta()).isEqualTo(meta(100, 3));
            assertThat(latest.size()).isEqualTo(data.length);
            assertThat(latest.crc32c()).isEqualTo(crc(data));
            assertThat(readAll(latest)).isEqualTo(data);
            assertThat(((StoredSnapshot) latest).directory().getFileName().toString())
                    .isEqualTo("00000000000000000100-00000000000000000003");
        }
    }

    @Test
    void positionalReadsCutTheDataIntoChunks() throws IOException {
        byte[] data = data(7, 100_000);
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2)) {
            SnapshotFile snapshot = write(store, 7, 1, data);
            ByteBuffer chunk = ByteBuffer.allocate(32 * 1024);
            byte[] copy = new byte[data.length];
            long position = 0;
            int n;
            while ((n = snapshot.read(position, chunk.clear())) > 0) {
                chunk.flip().get(copy, (int) position, n);
                position += n;
            }
            assertThat(position).isEqualTo(data.length);
            assertThat(copy).isEqualTo(data);
            assertThat(snapshot.read(data.length, chunk.clear())).isEqualTo(-1);
            // A read past the end is cut at the recorded size.
            ByteBuffer big = ByteBuffer.allocate(1000);
            assertThat(snapshot.read(data.length - 10, big)).isEqualTo(10);
        }
    }

    @Test
    void keepsTheNewestNCompleteOnes() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2)) {
            write(store, 10, 1, data(10, 10));
            write(store, 20, 1, data(20, 10));
            write(store, 30, 2, data(30, 10));
            write(store, 40, 2, data(40, 10));
            assertThat(names()).containsExactly("00000000000000000030-00000000000000000002",
                    "00000000000000000040-00000000000000000002");
            assertThat(store.latest().orElseThrow().meta().index()).isEqualTo(40);
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 1)) {
            write(store, 50, 2, data(50, 10));
            assertThat(names()).containsExactly("00000000000000000050-00000000000000000002");
            // An older snapshot arriving late never displaces the newest.
            write(store, 45, 2, data(45, 10));
            assertThat(names()).containsExactly("00000000000000000050-00000000000000000002");
        }
    }

    @Test
    void theSameSnapshotTwiceKeepsTheFirstCopy() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2)) {
            write(store, 10, 1, data(10, 100));
            StoredSnapshot again = write(store, 10, 1, data(10, 100));
            assertThat(again.meta()).isEqualTo(meta(10, 1));
            assertThat(names()).containsExactly("00000000000000000010-00000000000000000001");
            assertThat(readAll(store.latest().orElseThrow())).isEqualTo(data(10, 100));
        }
    }

    @Test
    void anAbandonedOrInterruptedSnapshotIsNeverSeen() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            write(store, 10, 1, data(10, 10));
            try (SnapshotWriter writer = store.create(meta(20, 1))) {
                writer.stream().write(1);
                // closed without commit
            }
            assertThat(names()).containsExactly("00000000000000000010-00000000000000000001");
        }
        // Left behind by a crash: half-written, half-received and half-deleted snapshots.
        Files.createDirectories(dir.resolve("tmp-00000000000000000030-00000000000000000001-1"));
        Files.write(dir.resolve("tmp-00000000000000000030-00000000000000000001-1/data"), new byte[10]);
        Files.createDirectories(dir.resolve("recv-00000000000000000040-00000000000000000001-10-0000abcd-2"));
        Files.createDirectories(dir.resolve("del-00000000000000000005-00000000000000000001"));
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            assertThat(names()).containsExactly("00000000000000000010-00000000000000000001");
            assertThat(store.latest().orElseThrow().meta().index()).isEqualTo(10);
        }
    }

    @Test
    void aFailureBeforeTheRenameLeavesThePreviousSnapshotTheLatest() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            write(store, 10, 1, data(10, 10));
        }
        Disk failRename = new Disk(false, (op, path) -> {
            if (op == Disk.Op.RENAME && path.getFileName().toString().startsWith("tmp-")) {
                throw new IOException("simulated crash before the rename");
            }
        });
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3, failRename)) {
            assertThatThrownBy(() -> write(store, 20, 1, data(20, 10))).isInstanceOf(StorageException.class)
                    .hasMessageContaining("cannot complete snapshot 20@1");
            assertThat(store.latest().orElseThrow().meta().index()).isEqualTo(10);
            assertThat(names()).containsExactly("00000000000000000010-00000000000000000001");
        }
    }

    @Test
    void aFullDiskFailsTheSnapshotClearlyAndLeavesTheOlderOnesIntact() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2)) {
            write(store, 10, 1, data(10, 1000));
        }
        AtomicLong writes = new AtomicLong();
        Disk full = new Disk(false, (op, path) -> {
            if (op == Disk.Op.WRITE && path.getFileName().toString().equals("data") && writes.incrementAndGet() > 3) {
                throw new IOException("No space left on device");
            }
        });
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2, full)) {
            SnapshotWriter writer = store.create(meta(20, 1));
            OutputStream out = writer.stream();
            assertThatThrownBy(() -> {
                for (int i = 0; i < 10; i++) {
                    out.write(new byte[4096]);
                }
            }).isInstanceOf(IOException.class).hasMessageContaining("cannot write snapshot 20@1")
                    .hasMessageContaining("No space left on device");
            assertThatThrownBy(writer::commit).isInstanceOf(StorageException.class)
                    .hasMessageContaining("cannot complete snapshot 20@1")
                    .hasMessageContaining("No space left on device");
            writer.close();
            assertThat(names()).containsExactly("00000000000000000010-00000000000000000001");
            assertThat(readAll(store.latest().orElseThrow())).isEqualTo(data(10, 1000));
        }
    }

    @Test
    void damagedDataOfTheNewestFallsBackToTheOlderOne() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            write(store, 10, 1, data(10, 5000));
            StoredSnapshot newest = write(store, 20, 1, data(20, 5000));
            flipByte(newest.dataFile(), 4321);
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            SnapshotFile latest = store.latest().orElseThrow();
            assertThat(latest.meta().index()).isEqualTo(10);
            assertThat(readAll(latest)).isEqualTo(data(10, 5000));
        }
    }

    @Test
    void truncatedDataOfTheNewestFallsBackToTheOlderOne() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            write(store, 10, 1, data(10, 5000));
            StoredSnapshot newest = write(store, 20, 1, data(20, 5000));
            Files.write(newest.dataFile(), Arrays.copyOf(data(20, 5000), 4000));
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            assertThat(store.latest().orElseThrow().meta().index()).isEqualTo(10);
        }
    }

    @Test
    void damagedMetadataOfTheNewestFallsBackToTheOlderOne() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            write(store, 10, 1, data(10, 50));
            StoredSnapshot newest = write(store, 20, 1, data(20, 50));
            flipByte(newest.directory().resolve("meta"), 12);
            // The damage is found even in the process that wrote it: metadata is read on every call.
            assertThat(store.latest().orElseThrow().meta().index()).isEqualTo(10);
        }
    }

    @Test
    void whenNoSnapshotVerifiesTheErrorNamesTheNewestDamagedFile() throws IOException {
        Path newestData;
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            StoredSnapshot older = write(store, 10, 1, data(10, 50));
            StoredSnapshot newest = write(store, 20, 1, data(20, 50));
            flipByte(older.directory().resolve("meta"), 12);
            newestData = newest.dataFile();
            flipByte(newestData, 3);
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            assertThatThrownBy(store::latest).isInstanceOf(StorageCorruptedException.class)
                    .hasMessageContaining(newestData.toString())
                    .hasMessageContaining("checksum mismatch")
                    .hasMessageContaining("none of the 2 snapshots");
        }
    }

    @Test
    void aStreamReadingDamagedDataFailsAtItsEnd() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            StoredSnapshot snapshot = write(store, 10, 1, data(10, 200_000));
            assertThat(store.latest()).isPresent(); // verified now, and not read again
            flipByte(snapshot.dataFile(), 150_000);
            assertThatThrownBy(() -> readAll(store.latest().orElseThrow()))
                    .isInstanceOf(StorageCorruptedException.class)
                    .hasMessageContaining(snapshot.dataFile().toString())
                    .hasMessageContaining("checksum mismatch");
        }
    }

    @Test
    void aReceivedSnapshotResumesWhereTheDroppedTransferStopped() throws IOException {
        byte[] data = data(500, 100_000);
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2)) {
            write(store, 10, 1, data(10, 10));
            try (SnapshotSink sink = store.receive(meta(500, 4), data.length, crc(data))) {
                assertThat(sink.position()).isZero();
                sink.stream().write(data, 0, 40_000);
            } // the connection dropped
            assertThat(store.latest().orElseThrow().meta().index()).isEqualTo(10);
            try (SnapshotSink sink = store.receive(meta(500, 4), data.length, crc(data))) {
                assertThat(sink.position()).isEqualTo(40_000);
                sink.stream().write(data, 40_000, data.length - 40_000);
                SnapshotFile committed = sink.commit();
                assertThat(committed.meta()).isEqualTo(meta(500, 4));
                assertThat(committed.crc32c()).isEqualTo(crc(data));
            }
            assertThat(readAll(store.latest().orElseThrow())).isEqualTo(data);
            assertThat(names()).containsExactly("00000000000000000010-00000000000000000001",
                    "00000000000000000500-00000000000000000004");
        }
    }

    @Test
    void aDifferentSnapshotDiscardsThePartialOne() throws IOException {
        byte[] first = data(500, 10_000);
        byte[] second = data(600, 10_000);
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2)) {
            try (SnapshotSink sink = store.receive(meta(500, 4), first.length, crc(first))) {
                sink.stream().write(first, 0, 5000);
            }
            try (SnapshotSink sink = store.receive(meta(600, 5), second.length, crc(second))) {
                assertThat(sink.position()).isZero();
                assertThat(names()).hasSize(1).allMatch(n -> n.startsWith("recv-00000000000000000600"));
                sink.stream().write(second);
                sink.commit();
            }
            // Same metadata, different size: not the same transfer either.
            try (SnapshotSink sink = store.receive(meta(700, 5), 10, 1)) {
                sink.stream().write(new byte[5]);
            }
            try (SnapshotSink sink = store.receive(meta(700, 5), 11, 1)) {
                assertThat(sink.position()).isZero();
            }
            assertThat(readAll(store.latest().orElseThrow())).isEqualTo(second);
        }
    }

    @Test
    void aReceivedSnapshotWithTheWrongChecksumOrSizeIsRefusedAndDiscarded() throws IOException {
        byte[] data = data(500, 10_000);
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2)) {
            write(store, 10, 1, data(10, 10));
            try (SnapshotSink sink = store.receive(meta(500, 4), data.length, crc(data) ^ 1)) {
                sink.stream().write(data);
                assertThatThrownBy(sink::commit).isInstanceOf(StorageCorruptedException.class)
                        .hasMessageContaining("received snapshot 500@4").hasMessageContaining("discarded");
            }
            try (SnapshotSink sink = store.receive(meta(500, 4), data.length, crc(data))) {
                assertThat(sink.position()).isZero(); // nothing kept of the bad one
                sink.stream().write(data, 0, 9_000);
                assertThatThrownBy(sink::commit).isInstanceOf(StorageCorruptedException.class)
                        .hasMessageContaining("9000 bytes");
            }
            try (SnapshotSink sink = store.receive(meta(500, 4), 10, 0)) {
                assertThatThrownBy(() -> sink.stream().write(new byte[11])).isInstanceOf(IOException.class)
                        .hasMessageContaining("exceed its announced size of 10 bytes");
            }
            assertThat(names()).containsExactly("00000000000000000010-00000000000000000001",
                    "recv-00000000000000000500-00000000000000000004-10-00000000-4");
            assertThat(store.latest().orElseThrow().meta().index()).isEqualTo(10);
        }
    }

    @Test
    void aLaterReceiveOfTheSameSnapshotTakesOverFromAnOpenSink() throws IOException {
        byte[] data = data(500, 1000);
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2)) {
            SnapshotSink stale = store.receive(meta(500, 4), data.length, crc(data));
            stale.stream().write(data, 0, 100);
            try (SnapshotSink sink = store.receive(meta(500, 4), data.length, crc(data))) {
                assertThat(sink.position()).isEqualTo(100);
                assertThatThrownBy(() -> stale.stream().write(data, 100, 10)).isInstanceOf(IOException.class)
                        .hasMessageContaining("later sink");
                // Nor can it commit, or discard the data the later sink is writing.
                assertThatThrownBy(stale::commit).isInstanceOf(StorageException.class)
                        .hasMessageContaining("later sink");
                stale.close();
                sink.stream().write(data, 100, data.length - 100);
                sink.commit();
            }
            assertThat(readAll(store.latest().orElseThrow())).isEqualTo(data);
        }
    }

    @Test
    void theProviderOpensTheSnapshotsDirectory(@TempDir Path data) throws IOException {
        try (var store = new FileStorageProvider().openSnapshots(data, 2)) {
            try (SnapshotSink sink = store.create(meta(5, 1))) {
                sink.stream().write(new byte[] {1, 2, 3});
                sink.commit();
            }
            assertThat(store.latest().orElseThrow().size()).isEqualTo(3);
        }
        assertThat(data.resolve("snapshots/00000000000000000005-00000000000000000001/data")).exists();
    }
}
