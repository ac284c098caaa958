package io.keelraft.storage;

import io.keelraft.core.spi.StorageCorruptedException;
import io.keelraft.core.spi.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Snapshots on disk, one directory each (the skeleton of the snapshot issue; the layout is fixed here):
 *
 * <pre>
 *   keel.lock
 *   00000000000000004711-00000000000000000003/   complete: lastIncludedIndex-lastIncludedTerm
 *       data   the state machine's bytes
 *       meta   an {@link AtomicFile} ("KSNP"): lastIncludedIndex, lastIncludedTerm, data size, data CRC32C,
 *              configuration length and bytes — all under the file's checksum
 *   tmp-00000000000000005000-00000000000000000003-1/   being written: ignored, deleted on open
 *   del-00000000000000001000-00000000000000000002/     being deleted: deleted on open
 * </pre>
 *
 * <p>A snapshot is written into a {@code tmp-} directory; {@link SnapshotWriter#commit()} forces the data,
 * writes the metadata, forces the directory, renames it to its final name and forces the parent. A crash at
 * any point leaves either no new snapshot or a complete one. Old snapshots beyond the last {@code retain}
 * are first renamed to {@code del-} (so no half-deleted directory ever looks complete), then deleted.
 */
public final class FileSnapshotStore implements AutoCloseable {

    static final String DATA_FILE = "data";
    static final String META_FILE = "meta";
    static final int META_MAGIC = 0x4B534E50; // "KSNP"
    private static final String TEMP_PREFIX = "tmp-";
    private static final String DELETE_PREFIX = "del-";
    private static final Pattern COMPLETE = Pattern.compile("(\\d{20})-(\\d{20})");

    private final Path directory;
    private final int retain;
    private final Disk disk;
    private final DirectoryLock lock;
    private final AtomicLong tempCounter = new AtomicLong();
    private boolean closed;

    private FileSnapshotStore(Path directory, int retain, Disk disk, DirectoryLock lock) {
        this.directory = directory;
        this.retain = retain;
        this.disk = disk;
        this.lock = lock;
    }

    /**
     * Opens (creating if needed) the store in {@code directory}, which it locks, and deletes snapshots that
     * were being written or deleted when the process stopped.
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
                if (name.startsWith(TEMP_PREFIX) || name.startsWith(DELETE_PREFIX)) {
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

    /** Starts writing a snapshot covering the log through {@code metadata.lastIncludedIndex()}. */
    public synchronized SnapshotWriter create(SnapshotMetadata metadata) {
        checkOpen();
        Path temp = directory.resolve(TEMP_PREFIX + name(metadata) + "-" + tempCounter.incrementAndGet());
        try {
            Files.createDirectory(temp);
            return new SnapshotWriter(this, metadata, temp, disk);
        } catch (IOException e) {
            abandon(temp);
            throw new StorageException("cannot start snapshot " + metadata + " in " + temp + ": " + e, e);
        }
    }

    /**
     * The newest complete snapshot (highest index, then term), or empty when there is none.
     *
     * @throws StorageCorruptedException when its metadata is damaged or its data file has the wrong size:
     *                                   an older snapshot is not used instead, since the log may already be
     *                                   compacted past it
     */
    public synchronized Optional<StoredSnapshot> latest() {
        checkOpen();
        try {
            List<Path> complete = complete();
            return complete.isEmpty() ? Optional.empty() : Optional.of(read(complete.get(complete.size() - 1)));
        } catch (IOException e) {
            throw new StorageException("cannot read snapshots in " + directory + ": " + e, e);
        }
    }

    private StoredSnapshot read(Path snapshot) throws IOException {
        AtomicFile meta = new AtomicFile(disk, snapshot.resolve(META_FILE), META_MAGIC, "snapshot metadata file");
        byte[] content = meta.read().orElseThrow(() -> new StorageCorruptedException(meta.file(), 0,
                "complete snapshot has no metadata file (it is written before the directory is renamed into place)"));
        ByteBuffer buffer = ByteBuffer.wrap(content);
        if (content.length < 32 || buffer.getInt(28) != content.length - 32) {
            throw new StorageCorruptedException(meta.file(), 8, "snapshot metadata does not parse");
        }
        long index = buffer.getLong();
        long term = buffer.getLong();
        long dataBytes = buffer.getLong();
        int dataCrc = buffer.getInt();
        byte[] configuration = new byte[buffer.getInt()];
        buffer.get(configuration);
        Path data = snapshot.resolve(DATA_FILE);
        long actual = Files.exists(data) ? Files.size(data) : -1;
        if (actual != dataBytes) {
            throw new StorageCorruptedException(data, Math.max(actual, 0), "snapshot data file is " + actual
                    + " bytes but its metadata says " + dataBytes);
        }
        return new StoredSnapshot(new SnapshotMetadata(index, term, configuration), snapshot, dataBytes, dataCrc);
    }

    /** Moves a written snapshot into place and prunes old ones; called by {@link SnapshotWriter#commit()}. */
    synchronized StoredSnapshot install(SnapshotWriter writer, long dataBytes, int dataCrc) throws IOException {
        checkOpen();
        disk.forceDirectory(writer.directory());
        Path target = directory.resolve(name(writer.metadata()));
        if (Files.exists(target)) {
            retire(target); // the same snapshot again: the new copy replaces it
        }
        disk.rename(writer.directory(), target);
        disk.forceDirectory(directory);
        List<Path> complete = complete();
        for (int i = 0; i < complete.size() - retain; i++) {
            retire(complete.get(i));
        }
        return new StoredSnapshot(writer.metadata(), target, dataBytes, dataCrc);
    }

    /** Renames a complete snapshot out of sight, durably, then deletes it. */
    private void retire(Path snapshot) throws IOException {
        Path doomed = directory.resolve(DELETE_PREFIX + snapshot.getFileName());
        disk.rename(snapshot, doomed);
        disk.forceDirectory(directory);
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

    private static String name(SnapshotMetadata metadata) {
        return String.format("%020d-%020d", metadata.lastIncludedIndex(), metadata.lastIncludedTerm());
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
            lock.close();
        }
    }
}
