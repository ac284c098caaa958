package io.keelraft.storage;

import io.keelraft.core.StorageCorruptedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * A small file whose content is replaced atomically and checked on every read:
 *
 * <pre>
 *   magic   int    what kind of file this is
 *   length  int    content bytes
 *   content length bytes
 *   crc32c  int    CRC32C of everything before it
 * </pre>
 *
 * <p>{@link #write} puts the new content in {@code <name>.tmp}, forces it, renames it over the file and
 * forces the directory: after a crash the file holds the old content or the new, never a mix. So a file that
 * fails its checksum was damaged after it was written, and reading it throws
 * {@link StorageCorruptedException} rather than guessing.
 *
 * <p>Built with a {@link DirectoryHandle}, it opens its next temporary file ahead of time (after each write) and
 * forces the directory through the handle, so that a write needs no new file descriptor; {@link #close} then
 * releases the two. The log's base file is one: a compaction must not fail for want of a descriptor.
 */
final class AtomicFile {

    private static final int OVERHEAD = 12;

    private final Disk disk;
    private final Path file;
    private final int magic;
    private final String what;
    /** Null unless the temporary file is opened ahead. */
    private final DirectoryHandle directory;
    /** The next write's temporary file, opened ahead; null when not (yet) open. */
    private FileChannel nextTemp;

    /**
     * @param what names the file's role in error messages, e.g. "term/vote file"
     */
    AtomicFile(Disk disk, Path file, int magic, String what) {
        this(disk, file, magic, what, null);
    }

    /**
     * A file whose next temporary file is kept open ahead, in {@code directory} (which it forces through the
     * handle): call {@link #prepare} once the directory holds no stale temporary file, and {@link #close}.
     */
    AtomicFile(Disk disk, Path file, int magic, String what, DirectoryHandle directory) {
        this.disk = disk;
        this.file = file;
        this.magic = magic;
        this.what = what;
        this.directory = directory;
    }

    /** Opens the next write's temporary file ahead, if this file keeps one; a failure is left to {@link #write}. */
    synchronized void prepare() {
        if (directory == null || nextTemp != null) {
            return;
        }
        try {
            nextTemp = openTemp();
        } catch (IOException e) {
            nextTemp = null; // write() opens it then, and reports what goes wrong
        }
    }

    /** Releases and deletes the temporary file opened ahead (were it left, the next open would delete it). */
    synchronized void close() {
        if (nextTemp != null) {
            try {
                nextTemp.close();
                Files.deleteIfExists(temp());
            } catch (IOException ignored) {
                // an empty *.tmp file: deleted on the next open
            }
            nextTemp = null;
        }
    }

    private Path temp() {
        return file.resolveSibling(file.getFileName() + ".tmp");
    }

    private FileChannel openTemp() throws IOException {
        return disk.open(temp(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
    }

    Path file() {
        return file;
    }

    /** The content, or empty when the file does not exist. */
    Optional<byte[]> read() throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (bytes.length < OVERHEAD) {
            throw corrupted(0, "the file is " + bytes.length + " bytes, shorter than any valid " + what);
        }
        if (buffer.getInt(0) != magic) {
            throw corrupted(0, String.format("not a Keel %s (magic number %08x, expected %08x)", what,
                    buffer.getInt(0), magic));
        }
        int length = buffer.getInt(4);
        if (length < 0 || length != bytes.length - OVERHEAD) {
            throw corrupted(4, "content length " + length + " does not match the file size " + bytes.length);
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, 8 + length);
        int stored = buffer.getInt(8 + length);
        if (stored != (int) crc.getValue()) {
            throw corrupted(8 + length, String.format("checksum mismatch (stored %08x, computed %08x)", stored,
                    (int) crc.getValue()));
        }
        byte[] content = new byte[length];
        System.arraycopy(bytes, 8, content, 0, length);
        return Optional.of(content);
    }

    /** Replaces the content; durable when this returns. */
    synchronized void write(byte[] content) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(OVERHEAD + content.length);
        buffer.putInt(magic).putInt(content.length).put(content);
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), 0, 8 + content.length);
        buffer.putInt((int) crc.getValue()).flip();
        Path temp = temp();
        FileChannel opened = nextTemp;
        nextTemp = null;
        try (FileChannel channel = opened != null ? opened : openTemp()) {
            disk.write(channel, temp, buffer, 0);
            disk.force(channel, temp);
        }
        disk.rename(temp, file);
        if (directory != null) {
            directory.force();
        } else {
            disk.forceDirectory(file.getParent());
        }
        prepare();
    }

    private StorageCorruptedException corrupted(long offset, String detail) {
        return new StorageCorruptedException(file, offset, "damaged " + what + ": " + detail + ". It is replaced"
                + " atomically (temporary file, fsync, rename), so this is not a torn write: the disk or something"
                + " outside Keel changed it. Restore this server's data directory from a backup, or remove the"
                + " server from the cluster and add it back with an empty directory.");
    }
}
