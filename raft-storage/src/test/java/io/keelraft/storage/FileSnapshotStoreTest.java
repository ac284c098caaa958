package io.keelraft.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keelraft.core.spi.StorageCorruptedException;
import io.keelraft.core.spi.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSnapshotStoreTest {

    @TempDir
    Path dir;

    private static StoredSnapshot write(FileSnapshotStore store, long index, long term, String data) throws IOException {
        try (SnapshotWriter writer = store.create(new SnapshotMetadata(index, term, ("config@" + index).getBytes()))) {
            writer.data().write(data.getBytes(StandardCharsets.UTF_8));
            return writer.commit();
        }
    }

    private List<String> names() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> !n.equals("keel.lock")).sorted().toList();
        }
    }

    @Test
    void aCommittedSnapshotIsTheLatestAndReadsBackWithItsMetadata() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2)) {
            assertThat(store.latest()).isEmpty();
            write(store, 100, 3, "state at 100");
        }
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2)) {
            StoredSnapshot latest = store.latest().orElseThrow();
            assertThat(latest.metadata()).isEqualTo(new SnapshotMetadata(100, 3, "config@100".getBytes()));
            byte[] data;
            try (InputStream in = latest.openData()) {
                data = in.readAllBytes();
            }
            assertThat(new String(data, StandardCharsets.UTF_8)).isEqualTo("state at 100");
            CRC32C crc = new CRC32C();
            crc.update(data);
            assertThat(latest.dataCrc()).isEqualTo((int) crc.getValue());
            assertThat(latest.dataBytes()).isEqualTo(data.length);
            assertThat(latest.directory().getFileName().toString())
                    .isEqualTo("00000000000000000100-00000000000000000003");
        }
    }

    @Test
    void keepsTheLastNAndOpensTheNewest() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2)) {
            write(store, 10, 1, "a");
            write(store, 20, 1, "b");
            write(store, 30, 2, "c");
            write(store, 40, 2, "d");
            assertThat(names()).containsExactly("00000000000000000030-00000000000000000002",
                    "00000000000000000040-00000000000000000002");
            assertThat(store.latest().orElseThrow().metadata().lastIncludedIndex()).isEqualTo(40);
        }
    }

    @Test
    void anAbandonedOrInterruptedSnapshotIsNeverSeen() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            write(store, 10, 1, "a");
            try (SnapshotWriter writer = store.create(new SnapshotMetadata(20, 1, null))) {
                writer.data().write(1);
                // closed without commit
            }
            assertThat(names()).containsExactly("00000000000000000010-00000000000000000001");
        }
        // Left behind by a crash: a half-written snapshot and a half-deleted one.
        Files.createDirectories(dir.resolve("tmp-00000000000000000030-00000000000000000001-1"));
        Files.write(dir.resolve("tmp-00000000000000000030-00000000000000000001-1/data"), new byte[10]);
        Files.createDirectories(dir.resolve("del-00000000000000000005-00000000000000000001"));
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            assertThat(names()).containsExactly("00000000000000000010-00000000000000000001");
            assertThat(store.latest().orElseThrow().metadata().lastIncludedIndex()).isEqualTo(10);
        }
    }

    @Test
    void aFailureBeforeTheRenameLeavesThePreviousSnapshotTheLatest() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            write(store, 10, 1, "a");
        }
        Disk failRename = new Disk(false, (op, path) -> {
            if (op == Disk.Op.RENAME && path.getFileName().toString().startsWith("tmp-")) {
                throw new IOException("simulated crash before the rename");
            }
        });
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3, failRename)) {
            assertThatThrownBy(() -> write(store, 20, 1, "b")).isInstanceOf(StorageException.class)
                    .hasMessageContaining("cannot complete snapshot");
            assertThat(store.latest().orElseThrow().metadata().lastIncludedIndex()).isEqualTo(10);
        }
    }

    @Test
    void damagedMetadataIsRefusedRatherThanFallingBackToAnOlderSnapshot() throws IOException {
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            write(store, 10, 1, "a");
            StoredSnapshot newest = write(store, 20, 1, "b");
            Path meta = newest.directory().resolve("meta");
            byte[] bytes = Files.readAllBytes(meta);
            bytes[12] ^= 0x40;
            Files.write(meta, bytes);
            assertThatThrownBy(store::latest).isInstanceOf(StorageCorruptedException.class)
                    .hasMessageContaining("damaged snapshot metadata file")
                    .hasMessageContaining(meta.toString());
        }
    }
}
