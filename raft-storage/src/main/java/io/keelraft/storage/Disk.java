package io.keelraft.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Every file-system call that changes what is on disk, in one place: so that tests can fail any of them or
 * count forces ({@link Faults}), and so that {@code unsafeSkipFsync} is honoured everywhere at once.
 *
 * <p>Reads do not pass through here: they change nothing, and a failed read surfaces to its caller directly.
 */
final class Disk {

    /** The operations a {@link Faults} hook sees. */
    enum Op { OPEN, WRITE, FORCE, TRUNCATE, RENAME, DELETE, FORCE_DIRECTORY }

    /** Test hook: runs before every operation and may throw to simulate a failing disk. */
    @FunctionalInterface
    interface Faults {
        Faults NONE = (op, path) -> { };

        void before(Op op, Path path) throws IOException;
    }

    static final Disk DEFAULT = new Disk(false, Faults.NONE);

    private final boolean unsafeSkipFsync;
    private final Faults faults;

    Disk(boolean unsafeSkipFsync, Faults faults) {
        this.unsafeSkipFsync = unsafeSkipFsync;
        this.faults = faults;
    }

    boolean skipsFsync() {
        return unsafeSkipFsync;
    }

    FileChannel open(Path file, OpenOption... options) throws IOException {
        faults.before(Op.OPEN, file);
        return FileChannel.open(file, options);
    }

    /** Writes all of {@code buffer} at {@code position}. */
    void write(FileChannel channel, Path file, ByteBuffer buffer, long position) throws IOException {
        faults.before(Op.WRITE, file);
        while (buffer.hasRemaining()) {
            position += channel.write(buffer, position);
        }
    }

    /** fdatasync: the data and whatever metadata is needed to read it back (the file's size). */
    void force(FileChannel channel, Path file) throws IOException {
        if (unsafeSkipFsync) {
            return;
        }
        faults.before(Op.FORCE, file);
        channel.force(false);
    }

    /** Truncates {@code file} to {@code size} and makes the new size durable before returning. */
    void truncate(FileChannel channel, Path file, long size) throws IOException {
        faults.before(Op.TRUNCATE, file);
        channel.truncate(size);
        if (!unsafeSkipFsync) {
            faults.before(Op.FORCE, file);
            // fsync, not fdatasync: a shrinking size must be durable before anything is written after it.
            channel.force(true);
        }
    }

    /** Atomic rename over any existing {@code target}; not durable until the directory is forced. */
    void rename(Path source, Path target) throws IOException {
        faults.before(Op.RENAME, source);
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Deletes {@code file} if present; not durable until the directory is forced. */
    void delete(Path file) throws IOException {
        faults.before(Op.DELETE, file);
        Files.deleteIfExists(file);
    }

    /** Makes creations, renames and deletions inside {@code directory} durable. */
    void forceDirectory(Path directory) throws IOException {
        if (unsafeSkipFsync) {
            return;
        }
        faults.before(Op.FORCE_DIRECTORY, directory);
        faults.before(Op.OPEN, directory); // it takes a descriptor of its own
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    /**
     * Forces {@code directory} through a descriptor already open on it ({@link DirectoryHandle}): needs no new
     * file descriptor.
     */
    void forceDirectory(FileChannel directoryChannel, Path directory) throws IOException {
        if (unsafeSkipFsync) {
            return;
        }
        faults.before(Op.FORCE_DIRECTORY, directory);
        directoryChannel.force(true);
    }
}
