package io.keelraft.storage;

import io.keelraft.core.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Exclusive use of a storage directory, held as an OS file lock on {@code keel.lock} inside it: two servers
 * writing one log would corrupt it silently, so the second to open gets a clear error instead. The OS drops
 * the lock when the process dies, so a crash never leaves a stale lock behind.
 */
final class DirectoryLock implements AutoCloseable {

    static final String FILE_NAME = "keel.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code directory}, creating it if needed.
     *
     * @throws StorageException when another process, or another store in this process, holds it
     */
    static DirectoryLock acquire(Path directory) {
        Path file = directory.resolve(FILE_NAME);
        FileChannel channel;
        try {
            Files.createDirectories(directory);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StorageException("cannot create lock file " + file + ": " + e, e);
        }
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                throw new StorageException(directory + " is already open in this process (" + file + " is locked):"
                        + " close the other store first; two stores sharing one directory would corrupt it");
            }
            if (lock == null) {
                throw new StorageException(directory + " is in use by another process" + holder(channel) + " ("
                        + file + " is locked): stop the other Keel server first, or give this one its own data"
                        + " directory; two servers sharing one directory would corrupt it");
            }
            // Who holds the lock, for the error message of the next one to try; not needed for correctness.
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n")
                    .getBytes(StandardCharsets.US_ASCII)), 0);
            return new DirectoryLock(channel, lock);
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof StorageException se) {
                throw se;
            }
            throw new StorageException("cannot lock " + file + ": " + e, e);
        }
    }

    private static String holder(FileChannel channel) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(64);
            channel.read(buffer, 0);
            String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
            return text.startsWith("pid ") ? " (" + text + ")" : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }
}
