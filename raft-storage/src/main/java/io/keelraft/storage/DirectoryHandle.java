package io.keelraft.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A directory held open for as long as its store is, so that forcing it (after a file in it is created,
 * renamed or deleted) never needs a new file descriptor: a process that has run out of descriptors — say,
 * because a client flooded a server's port — must not fail a log write over the directory's fsync.
 */
final class DirectoryHandle implements AutoCloseable {

    private final Disk disk;
    private final Path directory;
    private final FileChannel channel;

    private DirectoryHandle(Disk disk, Path directory, FileChannel channel) {
        this.disk = disk;
        this.directory = directory;
        this.channel = channel;
    }

    /** Opens {@code directory} (read-only: Linux forces a directory through any descriptor of it). */
    static DirectoryHandle open(Disk disk, Path directory) throws IOException {
        return new DirectoryHandle(disk, directory, disk.open(directory, StandardOpenOption.READ));
    }

    Path path() {
        return directory;
    }

    /** Makes creations, renames and deletions inside the directory durable. */
    void force() throws IOException {
        disk.forceDirectory(channel, directory);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing was written through it
        }
    }
}
