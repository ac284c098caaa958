package io.keelraft.storage;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.HardState;
import io.keelraft.core.spi.MetaStore;
import io.keelraft.core.spi.ServerIdentity;
import io.keelraft.core.StorageCorruptedException;
import io.keelraft.core.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * (currentTerm, votedFor) in a directory of its own:
 *
 * <pre>
 *   keel.lock    held while open
 *   hardstate    magic "KMET" | length | currentTerm (long) | votedFor length (int, -1 for none) | votedFor
 *                (UTF-8) | crc32c
 *   identity     magic "KIDN" | length | format (int, 1) | serverId | clusterId (or -1 for none yet) |
 *                bootstrap configuration (length-prefixed, ClusterConfiguration's encoding) | crc32c;
 *                strings are an int length and UTF-8 bytes
 * </pre>
 *
 * {@link #save} writes {@code hardstate.tmp}, forces it, renames it over {@code hardstate} and forces the
 * directory ({@link AtomicFile}): after a crash the file holds the old state or the new one. A file that
 * fails its checksum is reported as {@link StorageCorruptedException} on {@link #load}: the server must not
 * start with a forgotten vote, or it could vote twice in one term.
 */
public final class FileMetaStore implements MetaStore {

    static final String FILE_NAME = "hardstate";
    static final String IDENTITY_FILE_NAME = "identity";
    private static final int MAGIC = 0x4B4D4554; // "KMET"
    private static final int IDENTITY_MAGIC = 0x4B49444E; // "KIDN"
    private static final int IDENTITY_FORMAT = 1;

    private final DirectoryLock lock;
    private final AtomicFile file;
    private final AtomicFile identityFile;
    private boolean closed;

    private FileMetaStore(DirectoryLock lock, AtomicFile file, AtomicFile identityFile) {
        this.lock = lock;
        this.file = file;
        this.identityFile = identityFile;
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
        return new FileMetaStore(lock, new AtomicFile(disk, dir.resolve(FILE_NAME), MAGIC, "term/vote file"),
                new AtomicFile(disk, dir.resolve(IDENTITY_FILE_NAME), IDENTITY_MAGIC, "server identity file"));
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

    /**
     * {@inheritDoc}
     *
     * @throws StorageCorruptedException when the file is damaged or of an unknown format
     */
    @Override
    public synchronized Optional<ServerIdentity> loadIdentity() {
        checkOpen();
        try {
            return identityFile.read().map(this::decodeIdentity);
        } catch (IOException e) {
            throw new StorageException("cannot read " + identityFile.file() + ": " + e, e);
        }
    }

    @Override
    public synchronized void saveIdentity(ServerIdentity identity) {
        checkOpen();
        byte[] configuration = identity.bootstrap().encode();
        ByteBuffer content = ByteBuffer.allocate(4 + size(identity.serverId()) + size(identity.clusterId()) + 4
                + configuration.length);
        content.putInt(IDENTITY_FORMAT);
        putString(content, identity.serverId());
        putString(content, identity.clusterId());
        content.putInt(configuration.length).put(configuration);
        try {
            identityFile.write(content.array());
        } catch (IOException e) {
            throw new StorageException("cannot save the server identity to " + identityFile.file() + ": " + e, e);
        }
    }

    private static int size(String s) {
        return 4 + (s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length);
    }

    private static void putString(ByteBuffer buffer, String s) {
        if (s == null) {
            buffer.putInt(-1);
        } else {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            buffer.putInt(bytes.length).put(bytes);
        }
    }

    private ServerIdentity decodeIdentity(byte[] content) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        try {
            int format = buffer.getInt();
            if (format != IDENTITY_FORMAT) {
                throw new StorageCorruptedException(identityFile.file(), 8, "server identity format " + format
                        + " is not one this version reads (" + IDENTITY_FORMAT + "): written by a newer Keel?");
            }
            String serverId = getString(buffer);
            String clusterId = getString(buffer);
            int length = buffer.getInt();
            if (serverId == null || length < 0 || length != buffer.remaining()) {
                throw new IllegalArgumentException("server id " + serverId + ", configuration length " + length
                        + " with " + buffer.remaining() + " bytes left");
            }
            byte[] configuration = new byte[length];
            buffer.get(configuration);
            return new ServerIdentity(serverId, clusterId, ClusterConfiguration.decode(configuration));
        } catch (RuntimeException e) {
            if (e instanceof StorageCorruptedException corrupted) {
                throw corrupted;
            }
            throw new StorageCorruptedException(identityFile.file(), 8, "server identity does not parse: " + e);
        }
    }

    private static String getString(ByteBuffer buffer) {
        int length = buffer.getInt();
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > buffer.remaining()) {
            throw new IllegalArgumentException("string length " + length);
        }
        byte[] bytes = new byte[length];
        buffer.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
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
