package io.keelraft.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.StateMachine;
import io.keelraft.core.metrics.RaftMetrics;
import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.spi.SnapshotFile;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader's snapshot handed to the apply thread is restored even if its file is deleted before the apply thread
 * gets to it — as the store's retention did when newer snapshots were committed meanwhile (issue 16: after a
 * partition healed, a burst of queued single-chunk snapshots arrived at once and the server stopped on
 * NoSuchFileException).
 */
class ApplierRestoreTest {

    @TempDir
    Path dir;

    /** A state machine whose whole state is one string. */
    private static final class Text implements StateMachine {
        String state = "";

        @Override
        public byte[] apply(long index, byte[] command) {
            return new byte[0];
        }

        @Override
        public byte[] query(byte[] query) {
            return new byte[0];
        }

        @Override
        public Snapshot snapshot() {
            byte[] bytes = state.getBytes(StandardCharsets.UTF_8);
            return out -> out.write(bytes);
        }

        @Override
        public void restore(InputStream in) throws IOException {
            state = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aSnapshotDeletedBeforeTheApplyThreadRunsIsStillRestored() throws Exception {
        Text leaderState = new Text();
        leaderState.state = "from the leader";
        ByteArrayOutputStream sessions = new ByteArrayOutputStream();
        new SessionTable(60_000).writeTo(new DataOutputStream(sessions));
        Path data = dir.resolve("data");
        try (OutputStream out = Files.newOutputStream(data)) {
            SnapshotEnvelope.write(out, sessions.toByteArray(), leaderState.snapshot());
        }
        SnapshotMeta meta = new SnapshotMeta(14_000, 2, ClusterConfiguration.ofVoters(Set.of("n1", "n2", "n3")));

        Queue<Runnable> applyThread = new ArrayDeque<>(); // runs only when the test says so
        AtomicReference<String> fatal = new AtomicReference<>();
        Text follower = new Text();
        Applier applier = new Applier("n1", follower, new SessionTable(60_000),
                applyThread::add, 0, 0, meta.configuration(), 0, (why, e) -> fatal.set(why), RaftMetrics.NONE,
                System::currentTimeMillis);

        applier.restore(file(meta, data));
        Files.delete(data); // retention retired it before the apply thread got there
        while (!applyThread.isEmpty()) {
            applyThread.poll().run();
        }
        assertThat(fatal.get()).isNull();
        assertThat(follower.state).isEqualTo("from the leader");
        assertThat(applier.lastApplied()).isEqualTo(14_000);
    }

    private static SnapshotFile file(SnapshotMeta meta, Path data) throws IOException {
        long size = Files.size(data);
        return new SnapshotFile() {
            @Override
            public SnapshotMeta meta() {
                return meta;
            }

            @Override
            public long size() {
                return size;
            }

            @Override
            public int crc32c() {
                return 0;
            }

            @Override
            public InputStream open() throws IOException {
                return Files.newInputStream(data);
            }

            @Override
            public int read(long position, ByteBuffer dst) {
                throw new UnsupportedOperationException();
            }
        };
    }
}
