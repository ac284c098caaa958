package io.keelraft.storage;

import io.keelraft.core.StorageCorruptedException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The snapshot base the log starts after, kept in the log directory's {@code base} file (an
 * {@link AtomicFile}): 16 bytes, the index then the term. Absent until the first compaction: the log then
 * starts at index 1.
 *
 * @param index last index covered by the snapshot
 * @param term  term of that entry
 */
record LogBase(long index, long term) {

    static final String FILE_NAME = "base";
    static final int MAGIC = 0x4B424153; // "KBAS"
    static final LogBase NONE = new LogBase(0, 0);

    byte[] encode() {
        return ByteBuffer.allocate(16).putLong(index).putLong(term).array();
    }

    static LogBase decode(byte[] content, Path file) {
        if (content.length != 16) {
            throw new StorageCorruptedException(file, 8, "log base file holds " + content.length
                    + " bytes of content, expected 16");
        }
        ByteBuffer buffer = ByteBuffer.wrap(content);
        return new LogBase(buffer.getLong(), buffer.getLong());
    }
}
