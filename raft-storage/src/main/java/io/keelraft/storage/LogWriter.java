package io.keelraft.storage;

import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.spi.DurabilityListener;
import io.keelraft.core.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log's writer thread: the only code that changes the segment files. It takes every queued request at
 * once, writes the appends among them with as few write calls as possible and one {@code force} (group
 * commit: whatever queued up during the previous force goes into the next), publishes them to the
 * {@link LogView} and only then reports them durable, in submission order.
 *
 * <h2>Suffix truncation (an append at an index already written)</h2>
 * <ol>
 *   <li>readers stop seeing the entries from the truncation index T on;</li>
 *   <li>segments whose first index is at least T are deleted, newest first, then the directory is forced —
 *       so a crash in between leaves the older segments, a gap-free prefix of the log;</li>
 *   <li>the segment holding T-1 is truncated just after that entry and forced (fsync) <em>before</em> any new
 *       record is written, so old records can never reappear behind new ones.</li>
 * </ol>
 * A crash at any point reopens as a prefix of the old log (at least through T-1) plus, possibly, some new
 * records; every state is a valid log. None of the dropped entries was committed (the protocol never
 * truncates at or below commitIndex), and none of the new ones had been reported durable.
 *
 * <h2>Prefix compaction</h2>
 * The base (index, term) is written to the {@code base} file atomically first; then the segments holding only
 * entries at or below it, except the newest, are deleted oldest first and the directory forced. A crash in
 * between leaves covered segments that the next open deletes. When the log did not hold the base entry, all
 * segments are deleted instead (an installed snapshot replacing the log); the next open finishes that too.
 *
 * <h2>Disk errors</h2>
 * An {@code IOException} (a full disk, an I/O error) fails every queued append through
 * {@link DurabilityListener#failed}, and the log refuses appends. The thread then repairs the files to
 * exactly what readers see — dropping unforced bytes, whose fate after a failed fsync is unknown — and probes
 * the disk with a small forced write, backing off from {@code retryInitialDelay} to {@code retryMaxDelay}.
 * Once a probe succeeds the log accepts appends again: no restart is needed after a full disk is freed.
 *
 * <h2>File descriptors</h2>
 * Appending, rolling to a new segment, truncating and compacting open no file while things go well: every
 * segment keeps its channels open, the next segment is opened ahead ({@link SegmentPreallocator}), the base
 * file's next temporary file too ({@link AtomicFile}), and the directory is forced through a handle held open
 * ({@link DirectoryHandle}). A process that runs out of descriptors — a flood of client connections — thus
 * does not fail its log writes; a second roll during one shortage waits for a descriptor rather than failing
 * ({@link #nextSpare}), and only the repair after a real disk error and its probes open files otherwise.
 */
final class LogWriter implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(LogWriter.class);
    private static final int BUFFER_BYTES = 1 << 20;
    private static final String PROBE_FILE = "probe.tmp";

    private final Path directory;
    private final DirectoryHandle directoryHandle;
    private final Disk disk;
    private final SegmentedLogOptions options;
    private final LogView view;
    private final WriteQueue queue;
    private final AtomicFile baseFile;
    private final SegmentPreallocator preallocator;
    private volatile DurabilityListener listener;

    // Writer-thread state.
    private final List<Segment> segments;
    /** Index of the last record written (published or not); with no segments, the index the log starts after. */
    private long lastWritten;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private final CRC32C crc = new CRC32C();

    LogWriter(DirectoryHandle directory, Disk disk, SegmentedLogOptions options, LogView view, WriteQueue queue,
              AtomicFile baseFile, List<Segment> segments, long baseIndex, DurabilityListener listener,
              SegmentPreallocator preallocator) {
        this.directoryHandle = directory;
        this.directory = directory.path();
        this.disk = disk;
        this.options = options;
        this.view = view;
        this.queue = queue;
        this.baseFile = baseFile;
        this.segments = new ArrayList<>(segments);
        this.lastWritten = this.segments.isEmpty() ? baseIndex : last().lastIndex();
        this.listener = listener;
        this.preallocator = preallocator;
    }

    void setListener(DurabilityListener listener) {
        this.listener = listener;
    }

    /** Every segment this writer holds open, for closing. */
    List<Segment> segments() {
        return segments;
    }

    @Override
    public void run() {
        while (true) {
            List<WriteQueue.Request> requests = queue.takeAll();
            if (requests == null) {
                return;
            }
            Progress progress = new Progress();
            try {
                process(requests, progress);
            } catch (IOException | RuntimeException e) {
                if (!failAndRecover(e, requests, progress)) {
                    return;
                }
            }
        }
    }

    /** How far {@link #process} got: requests from {@code nextRequest} on are not done (compactions re-run). */
    private static final class Progress {
        int nextRequest;
    }

    private void process(List<WriteQueue.Request> requests, Progress progress) throws IOException {
        List<LogEntry> batch = new ArrayList<>();
        long truncateAt = -1;
        long epoch = view.epoch();
        for (int r = 0; r < requests.size(); r++) {
            WriteQueue.Request request = requests.get(r);
            if (request instanceof WriteQueue.Append append) {
                if (append.epoch() != epoch) {
                    continue; // a reset discarded the log this append was meant for
                }
                long first = append.firstIndex();
                long batchLast = batch.isEmpty() ? lastWritten : batch.get(batch.size() - 1).index();
                if (first <= batchLast) {
                    if (!batch.isEmpty() && first >= batch.get(0).index()) {
                        // Replaces entries of this batch that were never written: just forget them.
                        batch.subList((int) (first - batch.get(0).index()), batch.size()).clear();
                    } else {
                        batch.clear();
                        truncateAt = truncateAt < 0 ? first : Math.min(truncateAt, first);
                    }
                }
                batch.addAll(append.entries());
            } else {
                progress.nextRequest = r; // this compaction or task is still to do if anything below fails
                commit(batch, truncateAt, epoch);
                batch = new ArrayList<>();
                truncateAt = -1;
                if (request instanceof WriteQueue.Compact compact) {
                    compact(compact);
                    epoch = view.epoch();
                } else {
                    progress.nextRequest = r + 1; // a task runs once, whatever it does
                    runTask((WriteQueue.Task) request);
                }
            }
            progress.nextRequest = r + 1;
        }
        commit(batch, truncateAt, epoch);
    }

    /** Truncates if needed, writes and forces {@code batch}, publishes it and reports it durable. */
    private void commit(List<LogEntry> batch, long truncateAt, long epoch) throws IOException {
        if (batch.isEmpty()) {
            return;
        }
        if (truncateAt >= 0) {
            truncateSuffix(truncateAt);
        }
        if (batch.get(0).index() != lastWritten + 1) {
            throw new IllegalStateException("batch starts at " + batch.get(0).index() + " but the last written index is "
                    + lastWritten);
        }
        Segment[] segmentOf = new Segment[batch.size()];
        long[] positions = new long[batch.size()];
        write(batch, segmentOf, positions);
        disk.force(last().writeChannel(), last().file);
        LogEntry lastEntry = batch.get(batch.size() - 1);
        if (view.publish(batch, segmentOf, positions, epoch)) {
            notifyDurable(lastEntry.index(), lastEntry.term());
        }
        preallocator.prepare(); // a no-op once the next segment is open; retries after a failed attempt
    }

    private void write(List<LogEntry> batch, Segment[] segmentOf, long[] positions) throws IOException {
        Segment segment = segments.isEmpty() ? roll(batch.get(0).index()) : last();
        buffer.clear();
        for (int i = 0; i < batch.size(); i++) {
            LogEntry entry = batch.get(i);
            int size = RecordFormat.recordBytes(entry);
            long end = segment.writeEnd + buffer.position();
            if (end > Segment.HEADER_BYTES && end + size > options.segmentBytes()) {
                flush(segment);
                // The full segment is forced before the next exists: recovery may then treat any bad record
                // in a segment that is not the last as corruption, never as a torn write.
                disk.force(segment.writeChannel(), segment.file);
                segment = roll(entry.index()); // the full segment's channels stay open: it may be truncated or read

            }
            if (size > buffer.remaining()) {
                flush(segment);
            }
            segmentOf[i] = segment;
            positions[i] = segment.writeEnd + buffer.position();
            if (size > buffer.capacity()) {
                ByteBuffer large = ByteBuffer.allocate(size);
                RecordFormat.encode(entry, large, crc);
                disk.write(segment.writeChannel(), segment.file, large.flip(), segment.writeEnd);
                segment.writeEnd += size;
            } else {
                RecordFormat.encode(entry, buffer, crc);
            }
            lastWritten = entry.index();
        }
        flush(segment);
    }

    private void flush(Segment segment) throws IOException {
        buffer.flip();
        int bytes = buffer.remaining();
        if (bytes > 0) {
            disk.write(segment.writeChannel(), segment.file, buffer, segment.writeEnd);
            segment.writeEnd += bytes;
        }
        buffer.clear();
    }

    private Segment roll(long firstIndex) throws IOException {
        SegmentPreallocator.Spare spare = nextSpare();
        // Without a spare (it could not be opened ahead), the segment is created here, opening files.
        Segment segment = spare != null ? Segment.createFromSpare(disk, directoryHandle, firstIndex, spare)
                : Segment.create(disk, directoryHandle, firstIndex);
        preallocator.prepare(); // only now: the spare it opens has the name the one just used had
        segments.add(segment);
        return segment;
    }

    /**
     * The spare opened ahead for the next segment. When there is none and opening one fails because the process
     * is out of file descriptors, waits (backing off like the disk probes) until one opens, rather than failing
     * the appends: the shortage is someone else's doing and passes. Null when it fails for another reason: the
     * segment is then created the ordinary way, and that failure is a disk error like any other.
     */
    private SegmentPreallocator.Spare nextSpare() throws IOException {
        long delay = options.retryInitialDelay().toNanos();
        boolean waited = false;
        while (true) {
            SegmentPreallocator.Spare spare = preallocator.take();
            if (spare != null) {
                if (waited) {
                    log.info("log in {}: file descriptors are available again; appends go on", directory);
                }
                return spare;
            }
            IOException why = preallocator.prepare();
            if (why == null) {
                continue; // opened now
            }
            if (!DescriptorShortage.is(why)) {
                return null;
            }
            if (!waited) {
                log.warn("log in {}: the process is out of file descriptors ({}); appends wait until the next"
                        + " segment can be opened", directory, why.getMessage());
                waited = true;
            }
            if (queue.awaitRetry(delay)) {
                throw new IOException("the log closed while waiting for a file descriptor", why);
            }
            delay = Math.min(delay * 2, options.retryMaxDelay().toNanos());
        }
    }

    private Segment last() {
        return segments.get(segments.size() - 1);
    }

    /** See the class comment, "Suffix truncation". */
    private void truncateSuffix(long index) throws IOException {
        view.unpublishFrom(index);
        boolean deleted = false;
        while (!segments.isEmpty() && last().firstIndex >= index) {
            Segment doomed = segments.remove(segments.size() - 1);
            doomed.close();
            disk.delete(doomed.file);
            deleted = true;
        }
        if (deleted) {
            directoryHandle.force();
        }
        if (segments.isEmpty()) {
            lastWritten = index - 1; // the first segment began at index
            return;
        }
        Segment segment = last();
        long end = segment.position(index); // unpublished above, so this is the end of entry index - 1
        if (segment.writeEnd != end) {
            disk.truncate(segment.writeChannel(), segment.file, end);
            segment.writeEnd = end;
        }
        lastWritten = index - 1;
    }

    /** See the class comment, "Prefix compaction". */
    private void compact(WriteQueue.Compact compact) throws IOException {
        baseFile.write(new LogBase(compact.index(), compact.term()).encode());
        if (compact.discardAll() || compact.index() > lastWritten) {
            view.removeSegments(segments);
            deleteSegments(new ArrayList<>(segments), true);
            lastWritten = compact.index();
            return;
        }
        List<Segment> covered = new ArrayList<>();
        for (int i = 0; i < segments.size() - 1 && segments.get(i).lastIndex() <= compact.index(); i++) {
            covered.add(segments.get(i));
        }
        view.removeSegments(covered);
        deleteSegments(covered, false);
    }

    /** Deletes {@code doomed} (removing them from this writer) in the order given, or newest first. */
    private void deleteSegments(List<Segment> doomed, boolean newestFirst) throws IOException {
        if (doomed.isEmpty()) {
            return;
        }
        for (int i = 0; i < doomed.size(); i++) {
            Segment segment = doomed.get(newestFirst ? doomed.size() - 1 - i : i);
            segment.close();
            disk.delete(segment.file);
            segments.remove(segment);
        }
        directoryHandle.force();
    }

    // ---- failures ----

    /**
     * Fails the queued appends and retries until the disk works again.
     *
     * @return false when the log closed meanwhile
     */
    private boolean failAndRecover(Exception error, List<WriteQueue.Request> requests, Progress progress) {
        StorageException cause = new StorageException("log write in " + directory + " failed: " + error, error);
        log.error("{}; appends fail until the disk works again", cause.getMessage());
        log.debug("log write failure in {}", directory, error);
        List<WriteQueue.Request> unfinished = new ArrayList<>();
        for (int r = progress.nextRequest; r < requests.size(); r++) {
            if (!(requests.get(r) instanceof WriteQueue.Append)) {
                unfinished.add(requests.get(r)); // compactions and tasks run once the disk works again
            }
        }
        queue.fail(cause, unfinished);
        notifyFailed(cause);
        long delay = options.retryInitialDelay().toNanos();
        int attempts = 0;
        while (true) {
            if (queue.awaitRetry(delay)) {
                return false;
            }
            attempts++;
            try {
                repair();
                probe();
                queue.recovered();
                log.info("log in {} accepts appends again after {} disk probe(s)", directory, attempts);
                return true;
            } catch (IOException | RuntimeException e) {
                log.warn("log in {}: disk still failing ({}), next probe in {} ms", directory, e,
                        Math.min(delay * 2, options.retryMaxDelay().toNanos()) / 1_000_000);
                delay = Math.min(delay * 2, options.retryMaxDelay().toNanos());
            }
        }
    }

    /** Makes the files hold exactly what readers see: unpublished segments and bytes go. */
    private void repair() throws IOException {
        Set<Segment> published = new HashSet<>(view.segments());
        List<Segment> unpublishedTail = new ArrayList<>();
        List<Segment> unpublishedHead = new ArrayList<>();
        boolean seenPublished = false;
        for (Segment segment : segments) {
            if (published.contains(segment)) {
                seenPublished = true;
            } else if (seenPublished || published.isEmpty()) {
                unpublishedTail.add(segment);
            } else {
                unpublishedHead.add(segment);
            }
        }
        deleteSegments(unpublishedHead, false);
        deleteSegments(unpublishedTail, true);
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                // Only half-created segments: the spare and the base's next temporary file are open, and ours.
                if (file.getFileName().toString().endsWith(Segment.SUFFIX + ".tmp")) {
                    disk.delete(file);
                }
            }
        }
        if (segments.isEmpty()) {
            lastWritten = view.lastIndex(); // no segment, so nothing published: this is the base
            return;
        }
        Segment segment = last();
        segment.reopenForWriting(); // a fresh descriptor: no error state left over from the failure
        FileChannel channel = segment.writeChannel();
        if (channel.size() != segment.publishedEnd()) {
            disk.truncate(channel, segment.file, segment.publishedEnd());
        }
        segment.writeEnd = segment.publishedEnd();
        lastWritten = segment.lastIndex();
    }

    /** A small forced write: succeeds once the disk takes writes again. */
    private void probe() throws IOException {
        Path probe = directory.resolve(PROBE_FILE);
        try (FileChannel channel = disk.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            disk.write(channel, probe, ByteBuffer.allocate(4096), 0);
            disk.force(channel, probe);
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    private void runTask(WriteQueue.Task task) {
        try {
            task.task().run();
        } catch (RuntimeException e) {
            log.error("a task run in the log writer of {} failed", directory, e);
        }
    }

    private void notifyDurable(long index, long term) {
        try {
            listener.durable(index, term);
        } catch (RuntimeException e) {
            log.error("durability listener failed on durable({}, {})", index, term, e);
        }
    }

    private void notifyFailed(StorageException cause) {
        try {
            listener.failed(cause);
        } catch (RuntimeException e) {
            log.error("durability listener failed on failed()", e);
        }
    }
}
