package io.keelraft.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.HardState;
import io.keelraft.core.spi.ServerIdentity;
import io.keelraft.core.StorageCorruptedException;
import io.keelraft.core.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileMetaStoreTest {

    @TempDir
    Path dir;

    @Test
    void aNewStoreLoadsTheInitialStateAndSavedStatesSurviveReopen() {
        try (FileMetaStore store = FileMetaStore.open(dir)) {
            assertThat(store.load()).isEqualTo(HardState.INITIAL);
            store.save(new HardState(3, "server-b"));
            assertThat(store.load()).isEqualTo(new HardState(3, "server-b"));
            store.save(new HardState(4, null));
            store.save(new HardState(4, "Ünïcødé"));
        }
        try (FileMetaStore store = FileMetaStore.open(dir)) {
            assertThat(store.load()).isEqualTo(new HardState(4, "Ünïcødé"));
        }
    }

    @Test
    void aCrashDuringSaveLeavesTheOldStateWhole() {
        Disk failRename = new Disk(false, (op, path) -> {
            if (op == Disk.Op.RENAME) {
                throw new IOException("simulated crash before the rename");
            }
        });
        try (FileMetaStore store = FileMetaStore.open(dir)) {
            store.save(new HardState(7, "a"));
        }
        try (FileMetaStore store = FileMetaStore.open(dir, failRename)) {
            assertThatThrownBy(() -> store.save(new HardState(8, "b")))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("cannot save term 8");
        }
        // The new state was written completely, but only to the temporary file: the old one is what counts.
        assertThat(Files.exists(dir.resolve("hardstate.tmp"))).isTrue();
        try (FileMetaStore store = FileMetaStore.open(dir)) {
            assertThat(store.load()).isEqualTo(new HardState(7, "a"));
        }
    }

    @Test
    void aDamagedFileIsReportedClearly() throws IOException {
        try (FileMetaStore store = FileMetaStore.open(dir)) {
            store.save(new HardState(5, "c"));
        }
        Path file = dir.resolve("hardstate");
        byte[] bytes = Files.readAllBytes(file);
        bytes[10] ^= 1; // inside currentTerm
        Files.write(file, bytes);
        try (FileMetaStore store = FileMetaStore.open(dir)) {
            assertThatThrownBy(store::load)
                    .isInstanceOfSatisfying(StorageCorruptedException.class, e -> assertThat(e.file()).isEqualTo(file.toAbsolutePath()))
                    .hasMessageContaining("damaged term/vote file")
                    .hasMessageContaining("checksum mismatch")
                    .hasMessageContaining("not a torn write");
        }
        Files.write(file, new byte[] {1, 2, 3});
        try (FileMetaStore store = FileMetaStore.open(dir)) {
            assertThatThrownBy(store::load).isInstanceOf(StorageCorruptedException.class)
                    .hasMessageContaining("shorter than any valid term/vote file");
        }
        Files.write(file, "garbage that is long enough".getBytes());
        try (FileMetaStore store = FileMetaStore.open(dir)) {
            assertThatThrownBy(store::load).isInstanceOf(StorageCorruptedException.class)
                    .hasMessageContaining("not a Keel term/vote file");
        }
    }

    @Test
    void theDirectoryIsLocked() {
        try (FileMetaStore store = FileMetaStore.open(dir)) {
            assertThatThrownBy(() -> FileMetaStore.open(dir)).isInstanceOf(StorageException.class)
                    .hasMessageContaining("already open");
        }
    }

    @Test
    void theIdentityIsAbsentUntilSavedAndSurvivesReopen() {
        ClusterConfiguration bootstrap = ClusterConfiguration.ofVoters(Map.of("n1", "h1:1", "n2", "h2:2", "n3", "h3:3"));
        try (FileMetaStore store = FileMetaStore.open(dir)) {
            assertThat(store.loadIdentity()).isEmpty();
            store.saveIdentity(new ServerIdentity("n2", null, bootstrap));
            assertThat(store.loadIdentity()).contains(new ServerIdentity("n2", null, bootstrap));
            store.saveIdentity(new ServerIdentity("n2", "çluster-7", bootstrap));
        }
        try (FileMetaStore store = FileMetaStore.open(dir)) {
            assertThat(store.loadIdentity()).contains(new ServerIdentity("n2", "çluster-7", bootstrap));
            // Independent of the term and vote.
            assertThat(store.load()).isEqualTo(HardState.INITIAL);
        }
        ClusterConfiguration waiting = new ClusterConfiguration(Set.of(), Set.of(), Set.of(), Map.of("n4", "h4:4"));
        try (FileMetaStore store = FileMetaStore.open(dir)) {
            store.saveIdentity(new ServerIdentity("n4", null, waiting));
            assertThat(store.loadIdentity()).contains(new ServerIdentity("n4", null, waiting));
        }
    }

    @Test
    void aDamagedIdentityIsReportedClearly() throws IOException {
        try (FileMetaStore store = FileMetaStore.open(dir)) {
            store.saveIdentity(new ServerIdentity("n1", "c", ClusterConfiguration.ofVoters(Map.of("n1", "h:1"))));
        }
        Path file = dir.resolve("identity");
        byte[] bytes = Files.readAllBytes(file);
        bytes[14] ^= 1;
        Files.write(file, bytes);
        try (FileMetaStore store = FileMetaStore.open(dir)) {
            assertThatThrownBy(store::loadIdentity).isInstanceOf(StorageCorruptedException.class)
                    .hasMessageContaining("damaged server identity file").hasMessageContaining("checksum mismatch");
        }
    }
}
