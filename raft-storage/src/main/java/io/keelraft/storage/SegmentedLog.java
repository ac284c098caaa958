package io.keelraft.storage;

import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.spi.DurabilityListener;
import io.keelraft.core.spi.LogStore;
import io.keelraft.core.StorageCorruptedException;
import io.keelraft.core.StorageException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link LogStore} on files: a directory of segment files holding framed, checksummed records, written by
 * one dedicated thread with group commit.
 *
 * <h2>On disk</h2>
 * <pre>
 *   keel.lock                    held (OS file lock) while the log is open: one process per directory
 *   base                         the snapshot base (index, term), once the log has been compacted
 *   00000000000000000001.log     segments, named after their first index, each a 20-byte header
 *   00000000000000004711.log     (magic, version, first index, CRC32C) and then records:
 *                                length | crc32c | term | index | type | payload   (see RecordFormat)
 * </pre>
 * A segment is closed once the next record would take it past {@link SegmentedLogOptions#segmentBytes()};
 * it is forced before the next segment is created, and a new segment appears by rename only once its header
 * is durable.
 *
 * <h2>Threads</h2>
 * {@link #append} and {@link #compactTo} only check and queue: they never wait for the disk. A writer thread
 * named {@code keel-log-writer-<directory>} writes whatever is queued, forces it once (group commit), makes it
 * visible to readers and then calls {@link DurabilityListener#durable} — never before {@code force}
 * returned, and in submission order. One {@code durable} call covers every append submitted before it. Reads
 * ({@link #term}, {@link #entries}, ...) may come from any thread and see only durable entries; recent
 * entries come from a memory cache bounded by {@link SegmentedLogOptions#cacheBytes()}, older ones from the
 * segment files.
 *
 * <h2>Crash safety</h2>
 * Opening repairs a torn tail and refuses real corruption ({@link StorageCorruptedException} naming file,
 * offset and index) — see {@link SegmentScanner} and {@link LogRecovery}; how truncation, compaction and disk
 * errors stay safe is described in {@link LogWriter}.
 */
public final class SegmentedLog implements LogStore {

    private static final Logger log = LoggerFactory.getLogger(SegmentedLog.class);
    private static final DurabilityListener NO_LISTENER = new DurabilityListener() {
        @Override
        public void durable(long index, long term) {
        }

        @Override
        public void failed(StorageException cause) {
        }
    };

    private final Path directory;
    private final DirectoryLock lock;
    private final LogView view;
    private final WriteQueue queue;
    private final LogWriter writer;
    private final SegmentPreallocator preallocator;
    private final AtomicFile baseFile;
    private final DirectoryHandle directoryHandle;
    private final Thread writerThread;
    private boolean closed;

    private SegmentedLog(Path directory, DirectoryLock lock, LogView view, WriteQueue queue, LogWriter writer,
                         SegmentPreallocator preallocator, AtomicFile baseFile, DirectoryHandle directoryHandle) {
        this.directory = directory;
        this.preallocator = preallocator;
        this.baseFile = baseFile;
        this.directoryHandle = directoryHandle;
        this.lock = lock;
        this.view = view;
        this.queue = queue;
        this.writer = writer;
        this.writerThread = new Thread(writer, "keel-log-writer-" + directory.getFileName());
        this.writerThread.setDaemon(true);
        this.writerThread.start();
    }

    /** Opens (creating if needed) the log in {@code directory} with {@link SegmentedLogOptions#defaults()}. */
    public static SegmentedLog open(Path directory) {
        return open(directory, SegmentedLogOptions.defaults());
    }

    /**
     * Opens (creating if needed) the log in {@code directory}, repairing a torn tail left by a crash.
     *
     * @throws StorageCorruptedException when records that may be committed are damaged
     * @throws StorageException          when the directory is in use by another process or cannot be read
     */
    public static SegmentedLog open(Path directory, SegmentedLogOptions options) {
        return open(directory, options, Disk.Faults.NONE);
    }

    /** Opens with a fault hook on every disk operation: for tests. */
    static SegmentedLog open(Path directory, SegmentedLogOptions options, Disk.Faults faults) {
        Objects.requireNonNull(options, "options");
        Path dir = directory.toAbsolutePath();
        DirectoryLock lock = DirectoryLock.acquire(dir);
        SegmentPreallocator preallocator = null;
        DirectoryHandle handle = null;
        AtomicFile baseFile = null;
        List<Segment> segments = List.of();
        try {
            Disk disk = new Disk(options.unsafeSkipFsync(), faults);
            handle = DirectoryHandle.open(disk, dir);
            baseFile = new AtomicFile(disk, dir.resolve(LogBase.FILE_NAME), LogBase.MAGIC, "log base file", handle);
            LogRecovery.Recovered recovered = LogRecovery.recover(dir, disk, baseFile);
            segments = recovered.segments();
            baseFile.prepare(); // only after recovery deleted the *.tmp files a crash left
            LogView view = new LogView(recovered.terms(), recovered.segments(), options.cacheBytes());
            WriteQueue queue = new WriteQueue(view);
            preallocator = new SegmentPreallocator(disk, dir, options.preallocate() ? options.segmentBytes() : 0);
            preallocator.prepare();
            LogWriter writer = new LogWriter(handle, disk, options, view, queue, baseFile, recovered.segments(),
                    recovered.terms().baseIndex(), NO_LISTENER, preallocator);
            if (options.unsafeSkipFsync()) {
                log.warn("{}: unsafeSkipFsync is on: entries are reported durable without fsync (tests only)", dir);
            }
            return new SegmentedLog(dir, lock, view, queue, writer, preallocator, baseFile, handle);
        } catch (IOException | RuntimeException e) {
            closeQuietly(preallocator, baseFile, handle);
            segments.forEach(Segment::close);
            lock.close();
            if (e instanceof IOException) {
                throw new StorageException("cannot open the log in " + dir + ": " + e, e);
            }
            throw (RuntimeException) e;
        }
    }

    private static void closeQuietly(SegmentPreallocator preallocator, AtomicFile baseFile, DirectoryHandle handle) {
        if (preallocator != null) {
            preallocator.close();
        }
        if (baseFile != null) {
            baseFile.close();
        }
        if (handle != null) {
            handle.close();
        }
    }

    /** The directory this log lives in. */
    public Path directory() {
        return directory;
    }

    @Override
    public long snapshotIndex() {
        return view.snapshotIndex();
    }

    @Override
    public long snapshotTerm() {
        return view.snapshotTerm();
    }

    @Override
    public long lastIndex() {
        return view.lastIndex();
    }

    @Override
    public long term(long index) {
        return view.term(index);
    }

    @Override
    public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
        return view.entries(fromIndex, toIndex, maxBytes);
    }

    /** Entries in the cache of recent entries (see {@code SegmentedLogOptions}) are in memory; older ones are not. */
    @Override
    public boolean inMemory(long fromIndex) {
        return view.inMemory(fromIndex);
    }

    /**
     * {@inheritDoc}
     *
     * <p>After {@link DurabilityListener#failed} the queued appends are gone: once the disk works again (see
     * {@link #failure()}), append again from {@link #lastIndex()} + 1.
     */
    @Override
    public void append(List<LogEntry> entries) {
        if (!entries.isEmpty()) {
            queue.append(entries);
        }
    }

    @Override
    public void setDurabilityListener(DurabilityListener listener) {
        writer.setListener(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Readers see the new base at once; the files follow on the writer thread. When the log (counting
     * queued appends) holds no entry at {@code index} with {@code term}, every entry is discarded and the next
     * append must be at {@code index + 1}.
     */
    @Override
    public void compactTo(long index, long term) {
        queue.compactTo(index, term);
    }

    @Override
    public void runInWriter(Runnable task) {
        queue.task(Objects.requireNonNull(task, "task"));
    }

    /**
     * The disk error that stops appends, or empty while the log accepts them. The writer probes the disk
     * with backoff and clears this by itself once writes work again.
     */
    public Optional<StorageException> failure() {
        return Optional.ofNullable(queue.failure());
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        queue.close();
        if (Thread.currentThread() != writerThread) {
            boolean interrupted = false;
            while (writerThread.isAlive()) {
                try {
                    writerThread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        closeQuietly(preallocator, baseFile, directoryHandle);
        writer.segments().forEach(Segment::close);
        view.segments().forEach(Segment::close);
        lock.close();
    }

    @Override
    public String toString() {
        return "SegmentedLog{" + directory + ", (" + snapshotIndex() + ", " + lastIndex() + "]}";
    }
}
