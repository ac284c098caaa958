package io.keelraft.core.runtime;

import io.keelraft.core.RaftOptions;
import io.keelraft.core.StateMachine;

import io.keelraft.core.RaftException;
import io.keelraft.core.metrics.RaftMetrics;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.spi.SnapshotFile;
import io.keelraft.core.spi.SnapshotSink;
import io.keelraft.core.spi.SnapshotStore;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes this server's own snapshots (thesis §5.1–5.2): decides when the log has grown enough, captures the
 * applied state on the apply thread, writes it on the snapshot thread, and reports the durable snapshot back
 * on the raft loop, which then tells the protocol and compacts the log. One snapshot at a time.
 *
 * <p>Raft-loop confined, except the write itself, which runs on the snapshot thread.
 */
final class SnapshotTaker {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotTaker.class);
    private static final int WRITE_BUFFER_BYTES = 64 * 1024;

    private final String id;
    private final SnapshotStore store;
    private final Applier applier;
    private final Executor loop;
    private final Executor snapshotThread;
    private final RaftOptions settings;
    private final RaftMetrics metrics;
    private final LongSupplier clock;
    /** Told on the raft loop of every snapshot that is durable now. */
    private final Consumer<SnapshotFile> durable;

    /** Index of the newest snapshot this server holds (taken or installed). */
    private long snapshotIndex;
    /** Highest index handed to the apply thread. */
    private long handedToApply;
    /** Bytes of entries handed to the apply thread since the newest snapshot was started. */
    private long bytesSinceSnapshot;
    private boolean inProgress;
    private long bytesAtStart;
    private long ticks;
    private long retryAtTick;
    private long failed;
    private List<CompletableFuture<SnapshotMeta>> waiting = new ArrayList<>();
    private List<CompletableFuture<SnapshotMeta>> waitingForNext = new ArrayList<>();
    private SnapshotMeta latest;
    /** Snapshot-thread confined (shared with the receiver): index of the newest snapshot committed to the store. */
    private final AtomicLong newestCommitted;

    SnapshotTaker(String id, SnapshotStore store, Applier applier, Executor loop, Executor snapshotThread,
                  RaftOptions settings, RaftMetrics metrics, LongSupplier clock, SnapshotMeta restored,
                  long appliedAtStart, AtomicLong newestCommitted, Consumer<SnapshotFile> durable) {
        this.newestCommitted = newestCommitted;
        this.id = id;
        this.store = store;
        this.applier = applier;
        this.loop = loop;
        this.snapshotThread = snapshotThread;
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
        this.durable = durable;
        this.latest = restored;
        this.snapshotIndex = restored == null ? 0 : restored.index();
        this.handedToApply = appliedAtStart;
    }

    /** Committed entries were handed to the apply thread: counts the log grown since the last snapshot. */
    void handedToApply(List<LogEntry> entries) {
        for (LogEntry e : entries) {
            bytesSinceSnapshot += e.sizeInBytes();
        }
        handedToApply = Math.max(handedToApply, entries.get(entries.size() - 1).index());
        maybeStart();
    }

    /** A tick of the raft loop: retries a failed snapshot once its back-off is over. */
    void tick() {
        ticks++;
        maybeStart();
    }

    private void maybeStart() {
        if (inProgress || ticks < retryAtTick) {
            return;
        }
        boolean tooManyBytes = bytesSinceSnapshot >= settings.snapshotLogBytes();
        boolean tooManyEntries = settings.snapshotLogEntries() > 0
                && handedToApply - snapshotIndex >= settings.snapshotLogEntries();
        if (tooManyBytes || tooManyEntries) {
            start();
        }
    }

    /**
     * Takes a snapshot now (after the one in progress, if any); completes with what it covers — the newest
     * snapshot when nothing was applied since.
     */
    CompletableFuture<SnapshotMeta> takeNow() {
        CompletableFuture<SnapshotMeta> out = new CompletableFuture<>();
        if (inProgress) {
            waitingForNext.add(out);
        } else {
            waiting.add(out);
            start();
        }
        return out;
    }

    /** A leader's snapshot was installed: it is the newest snapshot now, and the log starts after it. */
    void installed(SnapshotMeta meta) {
        if (meta.index() > snapshotIndex) {
            snapshotIndex = meta.index();
            latest = meta;
            bytesSinceSnapshot = 0;
            handedToApply = Math.max(handedToApply, meta.index());
        }
    }

    private void start() {
        inProgress = true;
        metrics.snapshotStarted();
        bytesAtStart = bytesSinceSnapshot;
        long started = clock.getAsLong();
        long after = snapshotIndex;
        // Capture on the apply thread, between applies: only as long as the state machine takes to take a view.
        applier.capture(after, (capture, error) -> {
            if (error != null) {
                loop.execute(() -> failed(error));
            } else if (capture == null) {
                loop.execute(() -> finished(null, started));
            } else {
                snapshotThread.execute(() -> write(capture, started));
            }
        });
    }

    /** Snapshot thread: writes the envelope into a new snapshot and commits it (durable and complete). */
    private void write(Applier.Capture capture, long started) {
        try (StateMachine.Snapshot state = capture.state()) {
            write(capture, state, started);
        } catch (RuntimeException e) {
            LOG.warn("{}: releasing the state machine's snapshot view failed", id, e);
        }
    }

    private void write(Applier.Capture capture, StateMachine.Snapshot state, long started) {
        if (capture.meta().index() <= newestCommitted.get()) {
            // A leader's snapshot newer than this capture was installed meanwhile: this one would be useless.
            loop.execute(() -> finished(null, started));
            return;
        }
        try (SnapshotSink sink = store.create(capture.meta())) {
            OutputStream out = new BufferedOutputStream(sink.stream(), WRITE_BUFFER_BYTES);
            SnapshotEnvelope.write(out, capture.sessions(), state);
            out.flush();
            SnapshotFile file = sink.commit();
            newestCommitted.set(file.meta().index());
            loop.execute(() -> finished(file, started));
        } catch (Exception | Error e) {
            loop.execute(() -> failed(e));
        }
    }

    private void finished(SnapshotFile file, long started) {
        inProgress = false;
        if (file != null) {
            bytesSinceSnapshot = Math.max(0, bytesSinceSnapshot - bytesAtStart);
            if (file.meta().index() > snapshotIndex) {
                snapshotIndex = file.meta().index();
                latest = file.meta();
            }
            metrics.snapshotTaken(file.meta().index(), file.size(), clock.getAsLong() - started);
            LOG.debug("{} took a snapshot through index {} ({} bytes)", id, file.meta().index(), file.size());
            durable.accept(file);
        } else {
            // Nothing applied since the newest snapshot: it already covers everything.
            bytesSinceSnapshot = 0;
        }
        List<CompletableFuture<SnapshotMeta>> done = waiting;
        waiting = waitingForNext;
        waitingForNext = new ArrayList<>();
        SnapshotMeta answer = file != null ? file.meta() : latest;
        for (CompletableFuture<SnapshotMeta> f : done) {
            if (answer != null) {
                f.complete(answer);
            } else {
                f.completeExceptionally(new RaftException("server " + id + " has applied nothing to snapshot yet",
                        false)); // certain: no snapshot was taken
            }
        }
        if (!waiting.isEmpty()) {
            start();
        }
    }

    /**
     * A snapshot could not be captured or written. Not fatal: nothing is lost, the log just is not compacted
     * yet; the next attempt waits for {@link RaftOptions#snapshotRetryTicks()}. (A disk that fails for good also
     * fails the log store's writes, which stops the server.)
     */
    private void failed(Throwable cause) {
        inProgress = false;
        failed++;
        retryAtTick = ticks + settings.snapshotRetryTicks();
        metrics.snapshotFailed();
        LOG.warn("{} could not take a snapshot (attempt {} failed; retrying in {} ticks): {}", id, failed,
                settings.snapshotRetryTicks(), cause.toString(), cause);
        // Certain: a snapshot is committed atomically, and this one was not.
        RaftException error = new RaftException("server " + id + " could not take a snapshot: " + cause, cause, false);
        List<CompletableFuture<SnapshotMeta>> all = new ArrayList<>(waiting);
        all.addAll(waitingForNext);
        waiting = new ArrayList<>();
        waitingForNext = new ArrayList<>();
        all.forEach(f -> f.completeExceptionally(error));
    }

    /** The server stops: fails whoever waits. */
    void close(RuntimeException cause) {
        List<CompletableFuture<SnapshotMeta>> all = new ArrayList<>(waiting);
        all.addAll(waitingForNext);
        waiting = new ArrayList<>();
        waitingForNext = new ArrayList<>();
        all.forEach(f -> f.completeExceptionally(cause));
    }
}
