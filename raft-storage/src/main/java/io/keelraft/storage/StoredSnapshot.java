package io.keelraft.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A complete snapshot in a {@link FileSnapshotStore}: its metadata, checked against its checksum, and its
 * data file, whose size and CRC32C the metadata records.
 *
 * @param metadata  what the snapshot covers
 * @param directory the snapshot's directory
 * @param dataBytes size of the data file
 * @param dataCrc   CRC32C of the data file, for a reader that wants to verify it while streaming
 */
public record StoredSnapshot(SnapshotMetadata metadata, Path directory, long dataBytes, int dataCrc) {

    /** The state machine's bytes, as written through {@link SnapshotWriter#data()}. */
    public InputStream openData() throws IOException {
        return Files.newInputStream(directory.resolve(FileSnapshotStore.DATA_FILE));
    }
}
