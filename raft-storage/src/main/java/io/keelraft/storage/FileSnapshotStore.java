package io.keelraft.storage;

import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.spi.SnapshotFile;
import io.keelraft.core.spi.SnapshotStore;
import io.keelraft.core.StorageCorruptedException;
import io.keelraft.core.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots on disk, one directory each — the file {@link SnapshotStore}:
 *
 * <pre>
 *   keel.lock
 *   00000000000000004711-00000000000000000003/   complete: lastIncludedIndex-lastIncludedTerm
 *       data   the state machine's bytes
 *       meta   {@link SnapshotMetaFile}: index, term, data size, data CRC32C, configuration
 *   tmp-00000000000000005000-00000000000000000003-1/     our own snapshot being written
 *   recv-00000000000000006000-00000000000000000004-…/    a leader's snapshot being received
 *   del-00000000000000001000-00000000000000000002/       being deleted
 * </pre>
 *
 * <p>A snapshot is written into a {@code tmp-} or {@code recv-} directory; {@link SnapshotWriter#commit()} forces
 * the data, writes the metadata, forces the directory, renames it to its final name and forces the parent. A
 * crash at any point leaves either no new snapshot or a complete one. Old snapshots beyond the newest
 * {@code retain} are first renamed to {@code del-} (so no half-deleted directory ever looks complete), then
 * deleted. {@code tmp-}, {@code recv-} and {@code del-} directories are deleted on open: an unfinished
 * transfer survives a dropped connection, not a restart.
 *
 * <p><b>Verification cost.</b> {@link #latest()} reads the whole data file of a snapshot once per process to
 * check its CRC32C (about as long as reading the file: a 100 MB snapshot costs a fraction of a second on an
 * SSD; at server start this is small next to restoring it). Snapshots this process committed, or already
 * verified, are not read again. Damage after that is still caught by {@link SnapshotFile#open()} (checked at
 * the end of the stream) and, for a transfer, by the receiver's check of the whole CRC.
 */
public final class FileSnapshotStore implements SnapshotStore {

    private static final Logger log = LoggerFactory.getLogger(FileSnapshotStore.class);
    private static final String TEMP_PREFIX = "tmp-";
    private static final String RECEIVE_PREFIX = "recv-";
    private static final String DELETE_PREFIX = "del-";
    private static final Pattern COMPLETE = Pattern.compile("(\\d{20})-(\\d{20})");

    private final Path directory;
    private final int retain;
    private final Disk disk;
    private final DirectoryLock lock;
    private final AtomicLong tempCounter = new AtomicLong();
    /** Names of complete snapshots whose data this process has checked (or written). */
    private final Set<String> verified = new HashSet<>();
    /** The one received snapshot not yet committed, kept so that a transfer can resume; or null. */
    private Partial partial;
    private boolean closed;

    /** An unfinished received snapshot: where it is, what it should become, and the checksum so far. */
    static final class Partial {
        final SnapshotMeta meta;
        final long size;
        final int crc32c;
        final Path directory;
        /** Of the bytes before {@link #position}; updated by the owning sink only. */
        final CRC32C crc = new CRC32C();
        volatile long position;
        /** The sink allowed to write; a later {@code receive} of the same snapshot takes over. */
        volatile SnapshotWriter owner;

        Partial(SnapshotMeta meta, long size, int crc32c, Path directory) {
            this.meta = meta;
            this.size = size;
            this.crc32c = crc32c;
            this.directory = directory;
        }

        boolean isFor(SnapshotMeta meta, long size, int crc32c) {
            return this.meta.equals(meta) && this.size == size && this.crc32c == crc32c;
        }
    }

    private FileSnapshotStore(Path directory, int retain, Disk disk, DirectoryLock lock) {
        this.directory = directory;
        this.retain = retain;
        this.disk = disk;
        this.lock = lock;
    }

    /**
     * Opens (creating if needed) the store in {@code directory}, which it locks, and deletes snapshots that
     * were being written, received or deleted when the process stopped.
     *
     * @param retain how many complete snapshots to keep (at least 1)
     */
    public static FileSnapshotStore open(Path directory, int retain) {
        return open(directory, retain, Disk.DEFAULT);
    }

    static FileSnapshotStore open(Path directory, int retain, Disk disk) {
        if (retain < 1) {
            throw new IllegalArgumentException("retain must be at least 1, was " + retain);
        }
        Path dir = directory.toAbsolutePath();
        DirectoryLock lock = DirectoryLock.acquire(dir);
        FileSnapshotStore store = new FileSnapshotStore(dir, retain, disk, lock);
        try {
            boolean removed = false;
            for (Path child : store.children()) {
                String name = child.getFileName().toString();
                if (name.startsWith(TEMP_PREFIX) || name.startsWith(RECEIVE_PREFIX) || name.startsWith(DELETE_PREFIX)) {
                    store.deleteTree(child);
                    removed = true;
                }
            }
            if (removed) {
                disk.forceDirectory(dir);
            }
            return store;
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e instanceof StorageException se ? se
                    : new StorageException("cannot open the snapshot store in " + dir + ": " + e, e);
        }
    }

    /** The store's directory. */
    public Path directory() {
        return directory;
    }

    @Override
    public synchronized SnapshotWriter create(SnapshotMeta meta) {
        checkOpen();
        Path temp = directory.resolve(TEMP_PREFIX + name(meta) + "-" + tempCounter.incrementAndGet());
        try {
            Files.createDirectory(temp);
            return new SnapshotWriter(this, meta, temp, disk);
        } catch (IOException e) {
            abandon(temp);
            throw new StorageException("cannot start snapshot " + meta.index() + "@" + meta.term() + " in " + temp
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>One received snapshot is kept at a time: receiving a different one deletes the earlier partial data. A
     * sink returned earlier for the same snapshot stops accepting writes.
     */
    @Override
    public synchronized SnapshotWriter receive(SnapshotMeta meta, long size, int crc32c) {
        checkOpen();
        if (size < 0) {
            throw new IllegalArgumentException("negative snapshot size " + size);
        }
        if (partial != null && !partial.isFor(meta, size, crc32c)) {
            log.info("discarding {} bytes received of snapshot {}@{} for snapshot {}@{}", partial.position,
                    partial.meta.index(), partial.meta.term(), meta.index(), meta.term());
            discardLocked(partial);
        }
        try {
            if (partial == null) {
                Path dir = directory.resolve(String.format("%s%s-%d-%08x-%d", RECEIVE_PREFIX, name(meta), size,
                        crc32c, tempCounter.incrementAndGet()));
                Files.createDirectory(dir);
                partial = new Partial(meta, size, crc32c, dir);
            }
            SnapshotWriter writer = new SnapshotWriter(this, partial, disk);
            partial.owner = writer;
            return writer;
        } catch (IOException e) {
            if (partial != null) {
                discardLocked(partial);
            }
            throw new StorageException("cannot receive snapshot " + meta.index() + "@" + meta.term() + " in "
                    + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * The newest complete snapshot whose metadata and data verify. A damaged one is logged (file and problem)
     * and skipped in favour of the next older; the caller must check that what it gets is not older than its
     * log's base, since entries compacted past it cannot be replayed.
     *
     * @throws StorageCorruptedException naming the newest snapshot's damaged file when snapshots exist but none
     *                                   verifies
     */
    @Override
    public synchronized Optional<SnapshotFile> latest() {
        return latestStored().map(s -> s);
    }

    /** {@link #latest()}, typed. */
    public synchronized Optional<StoredSnapshot> latestStored() {
        checkOpen();
        List<Path> complete;
        try {
            complete = complete();
        } catch (IOException e) {
            throw new StorageException("cannot list snapshots in " + directory + ": " + e.getMessage(), e);
        }
        StorageCorruptedException newestProblem = null;
        for (int i = complete.size() - 1; i >= 0; i--) {
            Path dir = complete.get(i);
            try {
                StoredSnapshot snapshot = verify(dir);
                if (newestProblem != null) {
                    log.warn("using the older snapshot {} instead", dir);
                }
                return Optional.of(snapshot);
            } catch (StorageCorruptedException e) {
                log.warn("skipping damaged snapshot {}: {}", dir, e.getMessage());
                newestProblem = newestProblem == null ? e : newestProblem;
            } catch (IOException e) {
                throw new StorageException("cannot read snapshot " + dir + ": " + e.getMessage(), e);
            }
        }
        if (newestProblem != null) {
            throw new StorageCorruptedException(newestProblem.file(), newestProblem.offset(), "none of the "
                    + complete.size() + " snapshots in " + directory + " verifies (the others are logged); the"
                    + " newest: " + newestProblem.getMessage() + ". Restore this server's data directory from a"
                    + " backup, or remove the server from the cluster and add it back with an empty directory.");
        }
        return Optional.empty();
    }

    private StoredSnapshot verify(Path dir) throws IOException {
        StoredSnapshot snapshot = SnapshotMetaFile.read(disk, dir);
        if (!dir.getFileName().toString().equals(name(snapshot.meta()))) {
            throw new StorageCorruptedException(dir.resolve(SnapshotMetaFile.NAME), 8, "metadata names snapshot "
                    + name(snapshot.meta()) + " in directory " + dir.getFileName());
        }
        String key = dir.getFileName().toString();
        if (verified.contains(key)) {
            return snapshot;
        }
        Path data = snapshot.dataFile();
        if (!Files.exists(data)) {
            throw new StorageCorruptedException(data, 0, "snapshot data file is missing");
        }
        CRC32C crc = new CRC32C();
        long count = 0;
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel channel = FileChannel.open(data, StandardOpenOption.READ)) {
            if (channel.size() != snapshot.size()) {
                throw new StorageCorruptedException(data, Math.min(channel.size(), snapshot.size()), "snapshot data"
                        + " file is " + channel.size() + " bytes but its metadata records " + snapshot.size());
            }
            while (channel.read(buffer.clear()) > 0) {
                count += buffer.flip().remaining();
                crc.update(buffer);
            }
        }
        if (count != snapshot.size() || (int) crc.getValue() != snapshot.crc32c()) {
            throw new StorageCorruptedException(data, 0, String.format("snapshot data checksum mismatch (metadata"
                    + " %08x over %d bytes, data %08x over %d bytes)", snapshot.crc32c(), snapshot.size(),
                    (int) crc.getValue(), count));
        }
        verified.add(key);
        return snapshot;
    }

    /** Moves a written snapshot into place and prunes old ones; called by {@link SnapshotWriter#commit()}. */
    synchronized StoredSnapshot install(SnapshotWriter writer, Partial received, long size, int crc32c)
            throws IOException {
        checkOpen();
        if (received != null) {
            if (partial != received || received.owner != writer) {
                throw new StorageException("received snapshot " + name(writer.meta()) + " was superseded before"
                        + " its commit");
            }
            partial = null;
        }
        disk.forceDirectory(writer.directory());
        String name = name(writer.meta());
        Path target = directory.resolve(name);
        StoredSnapshot installed;
        if (Files.exists(target)) {
            // The same snapshot again (same index and term: the same committed state). Keep the copy already in
            // place: replacing it would leave a window in which neither is complete.
            abandon(writer.directory());
            installed = SnapshotMetaFile.read(disk, target);
        } else {
            disk.rename(writer.directory(), target);
            disk.forceDirectory(directory);
            installed = new StoredSnapshot(writer.meta(), target, size, crc32c);
            verified.add(name);
        }
        List<Path> complete = complete();
        for (int i = 0; i < complete.size() - retain; i++) { // sorted oldest first: the newest is never retired
            retire(complete.get(i));
        }
        return installed;
    }

    /** Renames a complete snapshot out of sight, durably, then deletes it. */
    private void retire(Path snapshot) throws IOException {
        Path doomed = directory.resolve(DELETE_PREFIX + snapshot.getFileName());
        disk.rename(snapshot, doomed);
        disk.forceDirectory(directory);
        verified.remove(snapshot.getFileName().toString());
        deleteTree(doomed);
    }

    /** Deletes an unfinished snapshot directory, best effort (the next open deletes what is left). */
    void abandon(Path temp) {
        try {
            deleteTree(temp);
        } catch (IOException ignored) {
            // tmp- directories are removed on open
        }
    }

    /** Deletes a received snapshot's data (a mismatch, a failed commit) unless a later sink took it over. */
    synchronized void discard(Partial received, SnapshotWriter writer) {
        if (received.owner == writer || received.owner == null) {
            discardLocked(received);
        }
    }

    private void discardLocked(Partial received) {
        received.owner = null;
        if (partial == received) {
            partial = null;
        }
        abandon(received.directory);
    }

    /** A received snapshot's sink closed without committing: its data stays for {@link #receive} to resume. */
    synchronized void release(Partial received, SnapshotWriter writer) {
        if (received.owner == writer) {
            received.owner = null;
        }
    }

    private List<Path> complete() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path child : children()) {
            if (COMPLETE.matcher(child.getFileName().toString()).matches()) {
                out.add(child);
            }
        }
        out.sort(Comparator.comparing(p -> p.getFileName().toString())); // zero-padded: index, then term
        return out;
    }

    private List<Path> children() throws IOException {
        try (Stream<Path> list = Files.list(directory)) {
            return list.filter(Files::isDirectory).toList();
        }
    }

    private void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path path : paths) {
            disk.delete(path);
        }
    }

    private static String name(SnapshotMeta meta) {
        return String.format("%020d-%020d", meta.index(), meta.term());
    }

    private void checkOpen() {
        if (closed) {
            throw new StorageException("the snapshot store in " + directory + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            if (partial != null) {
                discardLocked(partial);
            }
            lock.close();
        }
    }
}
