package io.keelraft.testkit.memory;

import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.spi.DurabilityListener;
import io.keelraft.core.spi.LogStore;
import io.keelraft.core.spi.StorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A {@link LogStore} in memory, for tests: appends are applied at once and reported durable from a writer
 * thread, as a file log would after its fsync. The entries survive {@link #close()} so a test can "restart"
 * a server on the same store by calling {@link #reopen()}.
 */
public final class InMemoryLogStore implements LogStore {

    private final List<LogEntry> entries = new ArrayList<>();
    private ExecutorService writer;
    private volatile DurabilityListener listener;
    private final String name;

    public InMemoryLogStore(String name) {
        this.name = name;
        this.writer = newWriter();
    }

    private ExecutorService newWriter() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "keel-memlog-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Makes a closed store usable again, keeping its entries (a restart that lost nothing durable). */
    public synchronized InMemoryLogStore reopen() {
        if (writer.isShutdown()) {
            writer = newWriter();
        }
        return this;
    }

    @Override
    public synchronized long snapshotIndex() {
        return 0;
    }

    @Override
    public synchronized long snapshotTerm() {
        return 0;
    }

    @Override
    public synchronized long lastIndex() {
        return entries.size();
    }

    @Override
    public synchronized long term(long index) {
        if (index == 0) {
            return 0;
        }
        if (index < 0 || index > entries.size()) {
            throw new IndexOutOfBoundsException("index " + index + " outside [0, " + entries.size() + "]");
        }
        return entries.get((int) index - 1).term();
    }

    @Override
    public synchronized List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
        return LogEntry.prefixWithin(entries.subList((int) fromIndex - 1, (int) toIndex - 1), maxBytes);
    }

    @Override
    public synchronized void append(List<LogEntry> toAppend) {
        if (toAppend.isEmpty()) {
            return;
        }
        long first = toAppend.get(0).index();
        if (first > entries.size() + 1) {
            throw new StorageException("append at " + first + " would leave a gap after " + entries.size());
        }
        while (entries.size() >= first) {
            entries.remove(entries.size() - 1);
        }
        entries.addAll(toAppend);
        LogEntry last = toAppend.get(toAppend.size() - 1);
        writer.execute(() -> {
            DurabilityListener l = listener;
            if (l != null) {
                l.durable(last.index(), last.term());
            }
        });
    }

    @Override
    public void setDurabilityListener(DurabilityListener listener) {
        this.listener = listener;
    }

    @Override
    public void compactTo(long index, long term) {
        throw new UnsupportedOperationException("InMemoryLogStore does not compact");
    }

    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
