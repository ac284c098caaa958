package io.keelraft.storage;

import io.keelraft.core.spi.SnapshotSink;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Random;

/**
 * The process {@link SnapshotCrashTest} kills. It writes snapshots into a {@link FileSnapshotStore} (retain 2,
 * fsync on) in a loop, half of them as its own and half as received ones (in chunks, some dropped half-way and
 * resumed), and prints to stdout
 *
 * <pre>
 *   B index term size   about to write the snapshot at index; its data is FileSnapshotStoreTest.data(index, size)
 *   A index term size   commit returned: the snapshot is durable
 * </pre>
 *
 * Arguments: directory, seed, first index.
 */
public final class SnapshotCrashChild {

    private SnapshotCrashChild() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Random random = new Random(Long.parseLong(args[1]));
        long index = Long.parseLong(args[2]);
        PrintStream out = System.out;
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 2)) {
            while (true) {
                long term = index / 10 + 1;
                int size = random.nextInt(256 << 10);
                byte[] data = FileSnapshotStoreTest.data(index, size);
                out.println("B " + index + " " + term + " " + size);
                if (random.nextBoolean()) {
                    try (SnapshotSink sink = store.create(FileSnapshotStoreTest.meta(index, term))) {
                        writeChunks(sink, data, data.length, random);
                        sink.commit();
                    }
                } else {
                    int crc = FileSnapshotStoreTest.crc(data);
                    if (random.nextInt(3) == 0) { // a transfer that drops half-way, then resumes
                        try (SnapshotSink sink = store.receive(FileSnapshotStoreTest.meta(index, term), size, crc)) {
                            writeChunks(sink, data, size / 2, random);
                        }
                    }
                    try (SnapshotSink sink = store.receive(FileSnapshotStoreTest.meta(index, term), size, crc)) {
                        writeChunks(sink, data, size, random);
                        sink.commit();
                    }
                }
                out.println("A " + index + " " + term + " " + size);
                index += 1 + random.nextInt(5);
            }
        }
    }

    private static void writeChunks(SnapshotSink sink, byte[] data, int end, Random random) throws IOException {
        int position = (int) sink.position();
        while (position < end) {
            int n = Math.min(end - position, 1 + random.nextInt(64 << 10));
            sink.stream().write(data, position, n);
            position += n;
        }
    }
}
