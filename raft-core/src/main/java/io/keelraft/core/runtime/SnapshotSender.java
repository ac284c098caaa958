package io.keelraft.core.runtime;

import io.keelraft.core.metrics.RaftMetrics;
import io.keelraft.core.protocol.Message;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.spi.SnapshotFile;
import io.keelraft.core.spi.Transport;
import java.io.IOException;
import java.nio.ByteBuffer;
import io.keelraft.core.spi.RaftScheduler;
import io.keelraft.core.util.Backoff;
import io.keelraft.core.util.RateLimitedLog;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader's snapshot transfers (thesis §5.3, InstallSnapshot in chunks): for each follower the protocol sends
 * an InstallSnapshot, it streams the durable snapshot file in chunks over {@link Transport#forward}, one chunk
 * in flight, each read from disk on the snapshot thread (never the whole snapshot in memory). The follower's
 * answer names the offset it wants next, which gives flow control and lets a transfer resume where an earlier
 * one stopped. Raft-loop confined, except chunk reads.
 *
 * <p>A failed transfer is reported to the protocol (which then probes the follower and sends a snapshot again)
 * only after a backoff delay per follower, doubling from the retry minimum to the maximum and reset by a chunk
 * that gets through; until then the follower's progress stays in SNAPSHOT, so nothing else is sent to it. Without
 * the delay, a follower cut off by a partition turned every proposal into another transfer that failed at once
 * (no connection, or the connection past its high-water mark): a tight loop, with a log line each time. Failure
 * lines are rate-limited per follower ({@link RateLimitedLog}).
 */
final class SnapshotSender {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotSender.class);
    /** Refused chunks (bad checksum on the way, a follower's write failing) retried before giving up. */
    private static final int MAX_REFUSALS = 3;

    /** What the raft loop does with the outcome of transfers. */
    interface Outcome {
        /** True while this server still leads in {@code term}. */
        boolean leads(long term);

        /** A chunk reached the follower: the transfer is alive. */
        void progressed(String peer);

        /** The transfer failed: the protocol probes the follower (and sends a snapshot) again. */
        void failed(String peer);

        /** The follower is in a higher term: this server must step down. */
        void higherTerm(String peer, long term);
    }

    private final class Transfer {
        final String peer;
        final long term;
        final SnapshotFile file;
        long offset;
        int refusals;

        Transfer(String peer, long term, SnapshotFile file) {
            this.peer = peer;
            this.term = term;
            this.file = file;
        }

        boolean current() {
            return transfers.get(peer) == this && outcome.leads(term);
        }
    }

    private final String id;
    private final Transport transport;
    private final Executor loop;
    private final Executor snapshotThread;
    private final int chunkBytes;
    private final RaftMetrics metrics;
    private final Outcome outcome;
    private final Map<String, Transfer> transfers = new HashMap<>();
    /** Per follower whose transfers keep failing; removed once a chunk gets through. */
    private final Map<String, Backoff> retries = new HashMap<>();
    private final RaftScheduler scheduler;
    private final long retryMinNanos;
    private final long retryMaxNanos;
    /** The retries' jitter: seeded from the scheduler's clock, so a simulation replays exactly (virtual time). */
    private final SplittableRandom random;
    private final RateLimitedLog failureLog;

    /**
     * @param retryMinNanos the delay after a first failed transfer to a follower (say, a heartbeat interval)
     * @param retryMaxNanos the longest delay between transfers that keep failing (say, an election timeout)
     */
    SnapshotSender(String id, Transport transport, Executor loop, Executor snapshotThread, int chunkBytes,
                   RaftMetrics metrics, RaftScheduler scheduler, long retryMinNanos, long retryMaxNanos,
                   Outcome outcome) {
        this.scheduler = scheduler;
        this.retryMinNanos = retryMinNanos;
        this.retryMaxNanos = Math.max(retryMinNanos, retryMaxNanos);
        this.failureLog = new RateLimitedLog(LOG, Duration.ofSeconds(10), scheduler::nanoTime);
        this.random = new SplittableRandom(scheduler.nanoTime() * 31 + id.hashCode());
        this.id = id;
        this.transport = transport;
        this.loop = loop;
        this.snapshotThread = snapshotThread;
        this.chunkBytes = chunkBytes;
        this.metrics = metrics;
        this.outcome = outcome;
    }

    /**
     * The protocol sent {@code is}: streams {@code file} (the durable snapshot it names) to the follower. A
     * transfer of the same snapshot in the same term that is still running goes on.
     */
    void send(Message.InstallSnapshot is, SnapshotFile file) {
        if (file == null || !file.meta().equals(is.snapshot())) {
            // A newer snapshot replaced it meanwhile: the protocol will send that one instead.
            LOG.info("{} does not send snapshot {} to {}: the newest durable snapshot is {}", id, is.snapshot(),
                    is.to(), file == null ? "none" : file.meta());
            outcome.failed(is.to());
            return;
        }
        Transfer running = transfers.get(is.to());
        if (running != null && running.term == is.term() && running.file.meta().equals(is.snapshot())) {
            return;
        }
        Transfer t = new Transfer(is.to(), is.term(), file);
        transfers.put(is.to(), t);
        // One line per transfer, but a transfer to a follower that is cut off starts again after every backoff.
        failureLog.info("send " + is.to(), "{} sends its snapshot through index {} ({} bytes) to {}", id,
                file.meta().index(), file.size(), is.to());
        readChunk(t);
    }

    private void readChunk(Transfer t) {
        long offset = t.offset;
        snapshotThread.execute(() -> {
            ForwardRequest.InstallSnapshotChunk chunk;
            try {
                chunk = chunk(t, offset);
            } catch (IOException | RuntimeException e) {
                loop.execute(() -> {
                    LOG.warn("{} could not read its snapshot at offset {} for {}", id, offset, t.peer, e);
                    giveUp(t);
                });
                return;
            }
            loop.execute(() -> forward(t, chunk));
        });
    }

    /** Snapshot thread: reads one chunk at {@code offset}. */
    private ForwardRequest.InstallSnapshotChunk chunk(Transfer t, long offset) throws IOException {
        SnapshotFile file = t.file;
        long size = file.size();
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(chunkBytes, Math.max(0, size - offset)));
        while (buffer.hasRemaining()) {
            int n = file.read(offset + buffer.position(), buffer);
            if (n < 0) {
                throw new IOException("snapshot " + file.meta() + " ends at " + (offset + buffer.position())
                        + ", before its size " + size);
            }
        }
        byte[] data = buffer.array();
        CRC32C crc = new CRC32C();
        crc.update(data);
        return new ForwardRequest.InstallSnapshotChunk(t.term, id, file.meta(), size, file.crc32c(), offset, data,
                (int) crc.getValue(), offset + data.length == size);
    }

    private void forward(Transfer t, ForwardRequest.InstallSnapshotChunk chunk) {
        if (!t.current()) {
            return;
        }
        transport.forward(t.peer, chunk).whenComplete((response, error) -> loop.execute(() ->
                answered(t, chunk, response, error)));
    }

    private void answered(Transfer t, ForwardRequest.InstallSnapshotChunk chunk, ForwardResponse response,
                          Throwable error) {
        if (!t.current()) {
            if (transfers.get(t.peer) == t) {
                transfers.remove(t.peer);
            }
            return;
        }
        if (error != null) {
            failureLog.info(t.peer, "{}: snapshot chunk at offset {} to {} failed: {}", id, chunk.offset(), t.peer,
                    error.toString());
            giveUp(t);
        } else if (response instanceof ForwardResponse.SnapshotChunkAccepted accepted) {
            if (accepted.term() > t.term) {
                transfers.remove(t.peer);
                outcome.higherTerm(t.peer, accepted.term());
                return;
            }
            if (accepted.nextOffset() > chunk.offset()) {
                metrics.snapshotChunkSent(accepted.nextOffset() - chunk.offset());
            }
            t.refusals = 0;
            if (retries.remove(t.peer) != null) {
                failureLog.reset(t.peer);
                failureLog.reset("send " + t.peer);
            }
            outcome.progressed(t.peer);
            if (accepted.nextOffset() >= t.file.size()) {
                transfers.remove(t.peer);
                LOG.info("{}: {} holds the snapshot through index {}", id, t.peer, t.file.meta().index());
                return;
            }
            // The follower says where to go on: after this chunk, or where an earlier transfer stopped.
            t.offset = Math.max(0, accepted.nextOffset());
            readChunk(t);
        } else {
            String why = response instanceof ForwardResponse.Failed f ? f.reason() + ": " + f.message()
                    : String.valueOf(response);
            metrics.snapshotChunkRefused();
            if (++t.refusals > MAX_REFUSALS) {
                failureLog.warn(t.peer, "{}: {} refused snapshot chunks {} times in a row, last: {}", id, t.peer,
                        t.refusals, why);
                giveUp(t);
                return;
            }
            failureLog.warn(t.peer, "{}: {} refused the snapshot chunk at offset {} ({}); sending it again", id,
                    t.peer, chunk.offset(), why);
            readChunk(t);
        }
    }

    /** Ends the transfer; the protocol hears of the failure after the follower's backoff delay. */
    private void giveUp(Transfer t) {
        if (transfers.get(t.peer) == t) {
            transfers.remove(t.peer);
        }
        if (!outcome.leads(t.term)) {
            return;
        }
        long delay = retries.computeIfAbsent(t.peer, p -> new Backoff(retryMinNanos, retryMaxNanos, random.split()))
                .nextDelayNanos();
        scheduler.schedule(loop, () -> {
            // Not if another transfer to this follower started meanwhile, nor in another term.
            if (transfers.get(t.peer) == null && outcome.leads(t.term)) {
                outcome.failed(t.peer);
            }
        }, delay);
    }

    /** Leadership ended: drops every transfer (answers still on their way are ignored) and every backoff. */
    void clear() {
        transfers.clear();
        retries.clear();
    }
}
