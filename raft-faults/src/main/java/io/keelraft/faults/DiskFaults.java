package io.keelraft.faults;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A full disk for one node: its data directory is a small tmpfs of its own, which {@link #fill} fills up with a
 * ballast file (the node's writes then fail with "no space left on device") and {@link #free} empties again.
 * Needs {@code mount}, i.e. root; {@link #mount} says why when it is not possible, and the run goes on without
 * this fault.
 */
public final class DiskFaults implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DiskFaults.class);
    private static final String BALLAST = "ballast.fill";

    private final Path dir;
    private final long bytes;
    private boolean mounted;

    /** Plans a tmpfs of {@code bytes} on {@code dir}; nothing happens until {@link #mount}. */
    public DiskFaults(Path dir, long bytes) {
        this.dir = dir;
        this.bytes = bytes;
    }

    public Path dir() {
        return dir;
    }

    /** Mounts the tmpfs; returns null on success, else the reason it could not. */
    public synchronized String mount() {
        try {
            Files.createDirectories(dir);
            Shell.Result r = Shell.run(List.of("mount", "-t", "tmpfs", "-o", "size=" + bytes + ",mode=0700", "tmpfs",
                    dir.toString()));
            if (r.exitCode() != 0) {
                return "mount -t tmpfs failed (" + r.exitCode() + "): " + r.output().strip();
            }
            mounted = true;
            return null;
        } catch (IOException e) {
            return "cannot create " + dir + ": " + e.getMessage();
        }
    }

    public synchronized boolean isMounted() {
        return mounted;
    }

    /** Writes a ballast file until the tmpfs is full; returns the bytes written. */
    public synchronized long fill() throws IOException {
        if (!mounted) {
            throw new IllegalStateException("no tmpfs on " + dir);
        }
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
        long written = 0;
        try (FileChannel ch = FileChannel.open(dir.resolve(BALLAST), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            while (written < bytes) {
                chunk.clear();
                written += ch.write(chunk);
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("space")) {
                throw e;
            }
            // "No space left on device": full, as intended
        }
        // Fill the last bytes a 1 MiB chunk did not fit in.
        ByteBuffer small = ByteBuffer.allocate(4096);
        try (FileChannel ch = FileChannel.open(dir.resolve(BALLAST), StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            while (written < bytes) {
                small.clear();
                written += ch.write(small);
            }
        } catch (IOException e) {
            // full
        }
        return written;
    }

    /** Deletes the ballast: the node can write again. */
    public synchronized void free() throws IOException {
        Files.deleteIfExists(dir.resolve(BALLAST));
    }

    /** Frees the ballast and unmounts (lazily if a process still holds a file); safe to call more than once. */
    @Override
    public synchronized void close() {
        if (!mounted) {
            return;
        }
        try {
            free();
        } catch (IOException e) {
            LOG.warn("could not delete the ballast in {}: {}", dir, e.toString());
        }
        Shell.Result r = Shell.run(List.of("umount", dir.toString()));
        if (r.exitCode() != 0) {
            Shell.Result lazy = Shell.run(List.of("umount", "-l", dir.toString()));
            if (!lazy.ok()) {
                LOG.warn("could not unmount {}: {} / {}", dir, r.output().strip(), lazy.output().strip());
                return;
            }
        }
        mounted = false;
    }
}
