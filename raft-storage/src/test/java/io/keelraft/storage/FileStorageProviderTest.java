package io.keelraft.storage;

import static io.keelraft.storage.Waits.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keelraft.core.RaftNode;
import io.keelraft.core.StateMachine;
import io.keelraft.core.protocol.HardState;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.protocol.Message;
import io.keelraft.core.Role;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.spi.LogStore;
import io.keelraft.core.spi.MetaStore;
import io.keelraft.core.StorageException;
import io.keelraft.core.spi.StorageProvider;
import io.keelraft.core.spi.Transport;
import io.keelraft.core.TransportException;
import io.keelraft.core.spi.TransportReceiver;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file storage as raft-core finds it: through {@link ServiceLoader}, and as {@code RaftNode}'s default. */
class FileStorageProviderTest {

    @TempDir
    Path data;

    @Test
    void serviceLoaderFindsTheFileStorage() {
        List<StorageProvider> providers = ServiceLoader.load(StorageProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .toList();
        assertThat(providers).hasSize(1);
        assertThat(providers.get(0)).isInstanceOf(FileStorageProvider.class);
    }

    @Test
    void storesOpenedThroughTheProviderSurviveReopen() {
        StorageProvider provider = ServiceLoader.load(StorageProvider.class).findFirst().orElseThrow();
        try (LogStore log = provider.openLog(data); MetaStore meta = provider.openMeta(data)) {
            RecordingListener listener = new RecordingListener();
            log.setDurabilityListener(listener);
            log.append(TestEntries.range(1, 100, 1, 128));
            log.append(TestEntries.range(101, 20, 2, 128));
            listener.awaitDurable(120, 2);
            meta.save(new HardState(2, "n1"));
        }
        assertThat(data.resolve(FileStorageProvider.LOG_DIRECTORY)).isDirectory();
        assertThat(data.resolve(FileStorageProvider.META_DIRECTORY)).isDirectory();

        try (LogStore log = provider.openLog(data); MetaStore meta = provider.openMeta(data)) {
            assertThat(log).isInstanceOf(SegmentedLog.class);
            assertThat(log.lastIndex()).isEqualTo(120);
            assertThat(log.term(100)).isEqualTo(1);
            assertThat(log.term(101)).isEqualTo(2);
            List<LogEntry> entries = log.entries(1, 121, Long.MAX_VALUE);
            assertThat(entries).hasSize(120).allMatch(TestEntries::intact);
            assertThat(meta.load()).isEqualTo(new HardState(2, "n1"));
        }
    }

    @Test
    void aSecondOpenOfTheSameDataDirectoryIsRefused() {
        StorageProvider provider = new FileStorageProvider();
        try (LogStore log = provider.openLog(data); MetaStore meta = provider.openMeta(data)) {
            assertThatThrownBy(() -> provider.openLog(data)).isInstanceOf(StorageException.class)
                    .hasMessageContaining("keel.lock");
            assertThatThrownBy(() -> provider.openMeta(data)).isInstanceOf(StorageException.class)
                    .hasMessageContaining("keel.lock");
        }
    }

    /**
     * A one-server group built with only {@code dataDirectory}: its commands are in the file log, so a new node
     * on the same directory applies them again after restart (the state machine here keeps nothing itself).
     */
    @Test
    void raftNodeWithADataDirectoryKeepsItsLogInTheFileStorage() throws Exception {
        RecordingMachine first = new RecordingMachine();
        try (RaftNode node = singleServer(first).start()) {
            await().until(() -> node.role() == Role.LEADER);
            for (int i = 0; i < 5; i++) {
                node.submit(("c" + i).getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(first.commands).containsExactly("c0", "c1", "c2", "c3", "c4");

        RecordingMachine second = new RecordingMachine();
        try (RaftNode node = singleServer(second).start()) {
            // It elects itself again; its first entry in the new term commits the five from before.
            await().until(() -> second.commands.size() == 5);
            assertThat(second.commands).containsExactly("c0", "c1", "c2", "c3", "c4");
            assertThat(node.term()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void aNodeThatFailsToBuildReleasesTheDataDirectory() throws Exception {
        try (LogStore log = new FileStorageProvider().openLog(data)) {
            log.close(); // creates the log directory
        }
        Path metaFile = data.resolve(FileStorageProvider.META_DIRECTORY).resolve(FileMetaStore.FILE_NAME);
        Files.createDirectories(metaFile.getParent());
        Files.write(metaFile, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18});
        // The log opens, the term/vote file is garbage: build() fails naming the file...
        assertThatThrownBy(() -> singleServer(new RecordingMachine())).hasMessageContaining("hardstate");
        // ...and has closed the log it opened, so once the file is repaired the directory opens again.
        Files.delete(metaFile);
        try (RaftNode node = singleServer(new RecordingMachine()).start()) {
            await().until(() -> node.role() == Role.LEADER);
        }
    }

    private RaftNode singleServer(StateMachine machine) {
        return RaftNode.builder()
                .id("n1")
                .members(Map.of("n1", "localhost:0"))
                .dataDirectory(data)
                .transport(new NoPeers())
                .stateMachine(machine)
                .build();
    }

    /** Keeps the commands it applied; no state of its own to restore. */
    private static final class RecordingMachine implements StateMachine {
        final List<String> commands = new CopyOnWriteArrayList<>();

        @Override
        public byte[] apply(long index, byte[] command) {
            commands.add(new String(command, StandardCharsets.UTF_8));
            return new byte[0];
        }

        @Override
        public byte[] query(byte[] query) {
            return new byte[0];
        }

        @Override
        public Snapshot snapshot() {
            throw new UnsupportedOperationException("no snapshots in this test");
        }

        @Override
        public void restore(InputStream in) {
            throw new UnsupportedOperationException("no snapshots in this test");
        }
    }

    /** A one-server group talks to no one. */
    private static final class NoPeers implements Transport {
        @Override
        public void start(TransportReceiver receiver) {
        }

        @Override
        public void send(Message message) {
            throw new AssertionError("a one-server group sent " + message);
        }

        @Override
        public CompletableFuture<ForwardResponse> forward(String peer, ForwardRequest request) {
            return CompletableFuture.failedFuture(new TransportException("no peers"));
        }

        @Override
        public void membersChanged(Map<String, String> addresses) {
        }

        @Override
        public void close() {
        }
    }
}
