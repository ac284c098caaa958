package io.keelraft.testkit.memory;

import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.spi.SnapshotFile;
import io.keelraft.core.spi.SnapshotSink;
import io.keelraft.core.spi.SnapshotStore;
import io.keelraft.core.StorageCorruptedException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * A {@link SnapshotStore} in memory, for tests and the simulator. Committed snapshots survive {@link #close()}
 * (a test "restarts" a server on the same store); a received snapshot's unfinished data is kept for
 * {@link #receive} to resume until {@link #dropUnfinished()} (a process that died loses it). Thread-safe.
 */
public final class InMemorySnapshotStore implements SnapshotStore {

    private static final Path NAME = Path.of("memory-snapshots");

    private final int retain;
    /** Complete snapshots, oldest first. */
    private final List<Stored> complete = new ArrayList<>();
    /** Unfinished received snapshots, kept to resume. */
    private final List<Partial> partials = new ArrayList<>();
    private final List<Long> resumedAt = new ArrayList<>();
    private long commits;
    private int writing;
    private int receiving;

    /** A store keeping the newest {@code retain} complete snapshots. */
    public InMemorySnapshotStore(int retain) {
        if (retain < 1) {
            throw new IllegalArgumentException("retain must be at least 1, was " + retain);
        }
        this.retain = retain;
    }

    private record Stored(SnapshotMeta meta, byte[] data, int crc) implements SnapshotFile {
        @Override
        public long size() {
            return data.length;
        }

        @Override
        public int crc32c() {
            return crc;
        }

        @Override
        public InputStream open() {
            CRC32C check = new CRC32C();
            return new ByteArrayInputStream(data) {
                @Override
                public synchronized int read() {
                    int b = super.read();
                    if (b >= 0) {
                        check.update(b);
                    } else {
                        verify();
                    }
                    return b;
                }

                @Override
                public synchronized int read(byte[] b, int off, int len) {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        check.update(b, off, n);
                    } else if (n < 0) {
                        verify();
                    }
                    return n;
                }

                private void verify() {
                    if ((int) check.getValue() != crc) {
                        throw new StorageCorruptedException(NAME, data.length, "snapshot " + meta
                                + " does not match its CRC32C");
                    }
                }
            };
        }

        @Override
        public int read(long position, ByteBuffer dst) {
            if (position >= data.length) {
                return -1;
            }
            int n = (int) Math.min(dst.remaining(), data.length - position);
            dst.put(data, (int) position, n);
            return n;
        }

        @Override
        public String toString() {
            return "snapshot " + meta + " (" + data.length + " bytes)";
        }
    }

    private static final class Partial {
        final SnapshotMeta meta;
        final long size;
        final int crc;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Partial(SnapshotMeta meta, long size, int crc) {
            this.meta = meta;
            this.size = size;
            this.crc = crc;
        }
    }

    @Override
    public synchronized Optional<SnapshotFile> latest() {
        return complete.isEmpty() ? Optional.empty() : Optional.of(complete.get(complete.size() - 1));
    }

    /** Every complete snapshot held, oldest first. */
    public synchronized List<SnapshotMeta> snapshots() {
        return complete.stream().map(Stored::meta).toList();
    }

    /** Snapshots committed since this store was made (taken or received). */
    public synchronized long commits() {
        return commits;
    }

    /** Positions at which {@link #receive} resumed an unfinished transfer (greater than 0). */
    public synchronized List<Long> resumedAt() {
        return List.copyOf(resumedAt);
    }

    /** Sinks open now: own snapshots being written, and received snapshots being written. */
    public synchronized int[] openSinks() {
        return new int[] {writing, receiving};
    }

    /** Forgets unfinished received snapshots, as a process that died would. */
    public synchronized void dropUnfinished() {
        partials.clear();
        sinksDied();
    }

    @Override
    public synchronized SnapshotSink create(SnapshotMeta meta) {
        writing++;
        return new Sink(meta, new Partial(meta, -1, 0), false);
    }

    @Override
    public synchronized SnapshotSink receive(SnapshotMeta meta, long size, int crc32c) {
        receiving++;
        for (Partial p : partials) {
            if (p.meta.equals(meta) && p.size == size && p.crc == crc32c) {
                if (p.bytes.size() > 0) {
                    resumedAt.add((long) p.bytes.size());
                }
                return new Sink(meta, p, true);
            }
        }
        Partial p = new Partial(meta, size, crc32c);
        partials.clear(); // one unfinished transfer is enough to resume
        partials.add(p);
        return new Sink(meta, p, true);
    }

    private synchronized void finished(boolean received) {
        if (received) {
            receiving--;
        } else {
            writing--;
        }
    }

    /** Forgets every open sink's count (the process that held them died). */
    private synchronized void sinksDied() {
        writing = 0;
        receiving = 0;
    }

    private synchronized SnapshotFile commit(Partial p, boolean received) {
        partials.remove(p);
        byte[] data = p.bytes.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(data);
        if (received && (data.length != p.size || (int) crc.getValue() != p.crc)) {
            throw new StorageCorruptedException(NAME, data.length, String.format("received snapshot %s has %d "
                    + "bytes with CRC32C %08x, expected %d bytes with %08x; discarded", p.meta, data.length,
                    (int) crc.getValue(), p.size, p.crc));
        }
        Stored s = new Stored(p.meta, data, (int) crc.getValue());
        complete.removeIf(c -> c.meta().equals(p.meta));
        complete.add(s);
        complete.sort((a, b) -> Long.compare(a.meta().index(), b.meta().index()));
        while (complete.size() > retain) {
            complete.remove(0);
        }
        commits++;
        return s;
    }

    private final class Sink implements SnapshotSink {
        private final SnapshotMeta meta;
        private final Partial partial;
        private final boolean received;
        private boolean done;

        Sink(SnapshotMeta meta, Partial partial, boolean received) {
            this.meta = meta;
            this.partial = partial;
            this.received = received;
        }

        @Override
        public SnapshotMeta meta() {
            return meta;
        }

        @Override
        public long position() {
            synchronized (InMemorySnapshotStore.this) {
                return partial.bytes.size();
            }
        }

        @Override
        public OutputStream stream() {
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    synchronized (InMemorySnapshotStore.this) {
                        if (done) {
                            throw new IOException("the snapshot sink is closed");
                        }
                        partial.bytes.write(b, off, len);
                    }
                }
            };
        }

        @Override
        public SnapshotFile commit() {
            synchronized (InMemorySnapshotStore.this) {
                if (done) {
                    throw new IllegalStateException("the snapshot sink is closed");
                }
                done = true;
                finished(received);
                return InMemorySnapshotStore.this.commit(partial, received);
            }
        }

        @Override
        public void close() {
            synchronized (InMemorySnapshotStore.this) {
                if (!done) {
                    finished(received);
                }
                done = true;
                if (!received) {
                    partials.remove(partial);
                }
            }
        }
    }

    @Override
    public void close() {
        // Nothing to release: the snapshots stay for a restart.
    }

    @Override
    public String toString() {
        return "InMemorySnapshotStore" + Arrays.toString(snapshots().toArray());
    }
}
