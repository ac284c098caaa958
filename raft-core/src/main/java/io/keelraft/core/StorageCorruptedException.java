package io.keelraft.core;

import java.nio.file.Path;

/**
 * Stored data is damaged in a way that may have lost committed entries (not a torn tail from a crash, which
 * is repaired silently). The server refuses to start rather than serve a log with a hole in it.
 */
public class StorageCorruptedException extends StorageException {

    private final Path file;
    private final long offset;
    private final long index;

    /**
     * @param file   the damaged file
     * @param offset byte offset of the damage in {@code file}
     * @param index  log index of the damaged record, or -1 when unknown
     */
    public StorageCorruptedException(Path file, long offset, long index, String detail) {
        super("corrupted log record in " + file + " at byte offset " + offset
                + (index >= 0 ? " (index " + index + ")" : "") + ": " + detail
                + "; refusing to open, since valid records follow and committed entries may be lost."
                + " Restore this server's data directory from a replica or remove the server and re-add it empty.");
        this.file = file;
        this.offset = offset;
        this.index = index;
    }

    /**
     * Damage in a file that holds no log records (the term/vote file, a snapshot's metadata, the log's base):
     * such files are replaced atomically, so a bad checksum cannot be a torn write.
     *
     * @param file   the damaged file
     * @param offset byte offset of the damage in {@code file}
     * @param detail what is wrong and what to do about it
     */
    public StorageCorruptedException(Path file, long offset, String detail) {
        super("corrupted file " + file + " at byte offset " + offset + ": " + detail);
        this.file = file;
        this.offset = offset;
        this.index = -1;
    }

    /** The file that is damaged. */
    public Path file() {
        return file;
    }

    /** Byte offset of the damage in {@link #file()}, or -1 when not known. */
    public long offset() {
        return offset;
    }

    /** Log index of the damaged record, or -1 when not known. */
    public long index() {
        return index;
    }
}
