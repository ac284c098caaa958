package io.keelraft.storage;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.StorageCorruptedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A snapshot's {@code meta} file: an {@link AtomicFile} ("KSNP") whose content is
 *
 * <pre>
 *   lastIncludedIndex long | lastIncludedTerm long | data size long | data CRC32C int
 *   configuration length int | configuration bytes (ClusterConfiguration.encode)
 * </pre>
 *
 * all under the file's own checksum. It is written last, after the data is forced, so a snapshot directory
 * with a valid meta file describes data that was complete when it was written.
 */
final class SnapshotMetaFile {

    static final String NAME = "meta";
    static final int MAGIC = 0x4B534E50; // "KSNP"
    private static final int FIXED = 32;

    private SnapshotMetaFile() {
    }

    static void write(Disk disk, Path snapshotDirectory, SnapshotMeta meta, long size, int crc32c)
            throws IOException {
        byte[] configuration = meta.configuration().encode();
        ByteBuffer content = ByteBuffer.allocate(FIXED + configuration.length);
        content.putLong(meta.index()).putLong(meta.term()).putLong(size).putInt(crc32c)
                .putInt(configuration.length).put(configuration);
        file(disk, snapshotDirectory).write(content.array());
    }

    /**
     * Reads and checks the meta file of a complete snapshot directory (not its data).
     *
     * @throws StorageCorruptedException when it is missing, fails its checksum or does not parse
     */
    static StoredSnapshot read(Disk disk, Path snapshotDirectory) throws IOException {
        AtomicFile file = file(disk, snapshotDirectory);
        byte[] content = file.read().orElseThrow(() -> new StorageCorruptedException(file.file(), 0,
                "complete snapshot has no metadata file (it is written before the directory is renamed into place)"));
        ByteBuffer buffer = ByteBuffer.wrap(content);
        if (content.length < FIXED || buffer.getInt(28) != content.length - FIXED) {
            throw new StorageCorruptedException(file.file(), 8, "snapshot metadata does not parse");
        }
        long index = buffer.getLong();
        long term = buffer.getLong();
        long size = buffer.getLong();
        int crc = buffer.getInt();
        byte[] configuration = new byte[buffer.getInt()];
        buffer.get(configuration);
        SnapshotMeta meta;
        try {
            meta = new SnapshotMeta(index, term, ClusterConfiguration.decode(configuration));
        } catch (IllegalArgumentException e) {
            throw new StorageCorruptedException(file.file(), 8, "snapshot metadata does not parse: " + e.getMessage());
        }
        if (size < 0) {
            throw new StorageCorruptedException(file.file(), 24, "negative data size " + size);
        }
        return new StoredSnapshot(meta, snapshotDirectory, size, crc);
    }

    private static AtomicFile file(Disk disk, Path snapshotDirectory) {
        return new AtomicFile(disk, snapshotDirectory.resolve(NAME), MAGIC, "snapshot metadata file");
    }
}
