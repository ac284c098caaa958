package io.keelraft.core.runtime;

import io.keelraft.core.metrics.RaftMetrics;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.spi.SnapshotFile;
import io.keelraft.core.spi.SnapshotSink;
import io.keelraft.core.spi.SnapshotStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A follower's side of InstallSnapshot (thesis §5.3): writes a leader's chunks into a received snapshot on the
 * snapshot thread, checking each chunk's CRC32C, and answers with the offset it wants next — where a dropped
 * transfer stopped, when the store still holds its beginning. The last chunk commits the snapshot (the store
 * checks the whole checksum and makes it durable atomically); only then does the raft loop step the protocol's
 * InstallSnapshot, so a crash at any point leaves the old state usable. Snapshot-thread confined.
 */
final class SnapshotReceiver {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotReceiver.class);

    /** Told on the snapshot thread when a received snapshot is durable and complete. */
    interface Complete {
        void received(SnapshotFile file, ForwardRequest.InstallSnapshotChunk last,
                      CompletableFuture<ForwardResponse> response);
    }

    private final String id;
    private final SnapshotStore store;
    private final Executor snapshotThread;
    private final RaftMetrics metrics;
    private final Complete complete;
    /** Index of the newest snapshot committed to the store (shared with the snapshot taker, same thread). */
    private final java.util.concurrent.atomic.AtomicLong newestCommitted;
    private SnapshotSink sink;
    private long sinkSize;
    private int sinkCrc;

    SnapshotReceiver(String id, SnapshotStore store, Executor snapshotThread, RaftMetrics metrics,
                     java.util.concurrent.atomic.AtomicLong newestCommitted, Complete complete) {
        this.newestCommitted = newestCommitted;
        this.id = id;
        this.store = store;
        this.snapshotThread = snapshotThread;
        this.metrics = metrics;
        this.complete = complete;
    }

    /** Takes one chunk (any thread); {@code term} is this server's current term, for the answer. */
    void receive(ForwardRequest.InstallSnapshotChunk chunk, long term, CompletableFuture<ForwardResponse> response) {
        snapshotThread.execute(() -> {
            try {
                write(chunk, term, response);
            } catch (Exception e) {
                abandon();
                LOG.warn("{} could not store snapshot chunk at offset {} of {}", id, chunk.offset(), chunk.snapshot(),
                        e);
                response.complete(new ForwardResponse.Failed(ForwardResponse.Reason.INTERNAL, null, "server " + id
                        + " could not store the snapshot chunk at offset " + chunk.offset() + ": " + e));
            }
        });
    }

    private void write(ForwardRequest.InstallSnapshotChunk chunk, long term,
                       CompletableFuture<ForwardResponse> response) throws Exception {
        long answerTerm = Math.max(term, chunk.term());
        if (sink == null || !sink.meta().equals(chunk.snapshot()) || sinkSize != chunk.totalBytes()
                || sinkCrc != chunk.totalCrc32c()) {
            abandon();
            // Resumes an earlier unfinished transfer of the same snapshot when the store still holds it.
            sink = store.receive(chunk.snapshot(), chunk.totalBytes(), chunk.totalCrc32c());
            sinkSize = chunk.totalBytes();
            sinkCrc = chunk.totalCrc32c();
        }
        long position = sink.position();
        if (chunk.offset() != position) {
            response.complete(new ForwardResponse.SnapshotChunkAccepted(answerTerm, position));
            return;
        }
        CRC32C crc = new CRC32C();
        crc.update(chunk.data());
        if ((int) crc.getValue() != chunk.chunkCrc32c()) {
            metrics.snapshotChunkRefused();
            String why = String.format("snapshot chunk at offset %d (%d bytes) of %s failed its CRC32C check: "
                    + "expected %08x, computed %08x; refused", chunk.offset(), chunk.data().length, chunk.snapshot(),
                    chunk.chunkCrc32c(), (int) crc.getValue());
            LOG.warn("{}: {}", id, why);
            response.complete(new ForwardResponse.Failed(ForwardResponse.Reason.INTERNAL, null, why));
            return;
        }
        if (position + chunk.data().length > chunk.totalBytes()) {
            throw new IllegalArgumentException("chunk at " + position + " of " + chunk.data().length
                    + " bytes runs past the snapshot's size " + chunk.totalBytes());
        }
        sink.stream().write(chunk.data());
        long next = position + chunk.data().length;
        if (next < chunk.totalBytes()) {
            response.complete(new ForwardResponse.SnapshotChunkAccepted(answerTerm, next));
            return;
        }
        SnapshotSink done = sink;
        sink = null;
        try (done) {
            SnapshotFile file = done.commit(); // checks the whole checksum; durable and complete when it returns
            newestCommitted.accumulateAndGet(file.meta().index(), Math::max);
            complete.received(file, chunk, response);
        }
    }

    private void abandon() {
        if (sink != null) {
            SnapshotSink s = sink;
            sink = null;
            s.close();
        }
    }

    /** The server stops: abandons an unfinished transfer (the store may keep it to resume after a restart). */
    void close() {
        snapshotThread.execute(this::abandon);
    }
}
