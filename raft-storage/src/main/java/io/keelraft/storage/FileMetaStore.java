package io.keelraft.storage;

import io.keelraft.core.protocol.HardState;
import io.keelraft.core.spi.MetaStore;
import io.keelraft.core.spi.StorageCorruptedException;
import io.keelraft.core.spi.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * (currentTerm, votedFor) in a directory of its own:
 *
 * <pre>
 *   keel.lock    held while open
 *   hardstate    magic "KMET" | length | currentTerm (long) | votedFor length (int, -1 for none) | votedFor
 *                (UTF-8) | crc32c
 * </pre>
 *
 * {@link #save} writes {@code hardstate.tmp}, forces it, renames it over {@code hardstate} and forces the
 * directory ({@link AtomicFile}): after a crash the file holds the old state or the new one. A file that
 * fails its checksum is reported as {@link StorageCorruptedException} on {@link #load}: the server must not
 * start with a forgotten vote, or it could vote twice in one term.
 */
public final class FileMetaStore implements MetaStore {

    static final String FILE_NAME = "hardstate";
    private static final int MAGIC = 0x4B4D4554; // "KMET"

    private final DirectoryLock lock;
    private final AtomicFile file;
    private boolean closed;

    private FileMetaStore(DirectoryLock lock, AtomicFile file) {
        this.lock = lock;
        this.file = file;
    }

    /**
     * Opens (creating if needed) the store in {@code directory}, which it locks.
     *
     * @throws StorageException when another process or store holds the directory
     */
    public static FileMetaStore open(Path directory) {
        return open(directory, Disk.DEFAULT);
    }

    static FileMetaStore open(Path directory, Disk disk) {
        Path dir = directory.toAbsolutePath();
        DirectoryLock lock = DirectoryLock.acquire(dir);
        return new FileMetaStore(lock, new AtomicFile(disk, dir.resolve(FILE_NAME), MAGIC, "term/vote file"));
    }

    /**
     * {@inheritDoc}
     *
     * @throws StorageCorruptedException when the file is damaged
     */
    @Override
    public synchronized HardState load() {
        checkOpen();
        try {
            return file.read().map(this::decode).orElse(HardState.INITIAL);
        } catch (IOException e) {
            throw new StorageException("cannot read " + file.file() + ": " + e, e);
        }
    }

    @Override
    public synchronized void save(HardState state) {
        checkOpen();
        byte[] votedFor = state.votedFor() == null ? null : state.votedFor().getBytes(StandardCharsets.UTF_8);
        ByteBuffer content = ByteBuffer.allocate(12 + (votedFor == null ? 0 : votedFor.length));
        content.putLong(state.currentTerm());
        content.putInt(votedFor == null ? -1 : votedFor.length);
        if (votedFor != null) {
            content.put(votedFor);
        }
        try {
            file.write(content.array());
        } catch (IOException e) {
            throw new StorageException("cannot save term " + state.currentTerm() + " and vote to " + file.file()
                    + ": " + e, e);
        }
    }

    private HardState decode(byte[] content) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        if (content.length < 12) {
            throw new StorageCorruptedException(file.file(), 8, "term/vote content is " + content.length
                    + " bytes, shorter than 12");
        }
        long term = buffer.getLong();
        int length = buffer.getInt();
        boolean sizeMatches = length == -1 ? content.length == 12 : length >= 0 && content.length == 12 + length;
        if (term < 0 || !sizeMatches) {
            throw new StorageCorruptedException(file.file(), 8, "term/vote content does not parse (term " + term
                    + ", votedFor length " + length + ")");
        }
        String votedFor = length < 0 ? null : new String(content, 12, length, StandardCharsets.UTF_8);
        return new HardState(term, votedFor);
    }

    private void checkOpen() {
        if (closed) {
            throw new StorageException("the term/vote store for " + file.file() + " is closed");
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
