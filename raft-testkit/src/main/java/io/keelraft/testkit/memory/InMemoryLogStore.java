package io.keelraft.testkit.memory;

import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.spi.DurabilityListener;
import io.keelraft.core.spi.LogStore;
import io.keelraft.core.StorageException;
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

    /** Entries after the base (baseIndex, baseTerm), which a compaction moves forward. */
    private final List<LogEntry> entries = new ArrayList<>();
    private long baseIndex;
    private long baseTerm;
    /** Bumped when a compaction discards the log: appends queued before it are never reported durable. */
    private long generation;
    private ExecutorService writer;
    private volatile DurabilityListener listener;
    private final String name;

    private boolean full;
    /** How many of the newest entries count as in memory (see {@link #keepInMemory}). */
    private long memoryWindow = Long.MAX_VALUE;
    /** The threads that read entries outside that window: they stand for disk reads. */
    private final List<String> coldReadThreads = new java.util.concurrent.CopyOnWriteArrayList<>();

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
        return baseIndex;
    }

    @Override
    public synchronized long snapshotTerm() {
        return baseTerm;
    }

    @Override
    public synchronized long lastIndex() {
        return baseIndex + entries.size();
    }

    /** Entries held (after the base): what a test checks to see that compaction bounds the log. */
    public synchronized int size() {
        return entries.size();
    }

    /** Bytes of the entries held. */
    public synchronized long bytes() {
        long total = 0;
        for (LogEntry e : entries) {
            total += e.sizeInBytes();
        }
        return total;
    }

    @Override
    public synchronized long term(long index) {
        if (index == baseIndex) {
            return baseTerm;
        }
        if (index < baseIndex || index > lastIndex()) {
            throw new IndexOutOfBoundsException("index " + index + " outside [" + baseIndex + ", " + lastIndex() + "]");
        }
        return entries.get((int) (index - baseIndex) - 1).term();
    }

    /**
     * Makes this store claim that only its newest {@code recentEntries} entries are in memory, as a file log's
     * cache does, so that tests see which thread reads the older ones ({@link #coldReadThreads()}).
     */
    public synchronized InMemoryLogStore keepInMemory(long recentEntries) {
        this.memoryWindow = recentEntries;
        return this;
    }

    @Override
    public synchronized boolean inMemory(long fromIndex) {
        return fromIndex > lastIndex() - memoryWindow;
    }

    /** The names of the threads that read entries outside the in-memory window, in order. */
    public List<String> coldReadThreads() {
        return List.copyOf(coldReadThreads);
    }

    @Override
    public synchronized List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
        if (!inMemory(fromIndex)) {
            coldReadThreads.add(Thread.currentThread().getName());
        }
        return LogEntry.prefixWithin(List.copyOf(entries.subList((int) (fromIndex - baseIndex) - 1,
                (int) (toIndex - baseIndex) - 1)), maxBytes);
    }

    /**
     * A full disk, for tests: while {@code full}, {@link #append} refuses with a {@link StorageException}, as the
     * file log does until its disk works again.
     */
    public synchronized void simulateFullDisk(boolean full) {
        this.full = full;
    }

    @Override
    public synchronized void append(List<LogEntry> toAppend) {
        if (toAppend.isEmpty()) {
            return;
        }
        if (full) {
            throw new StorageException("log write failed: No space left on device (simulated)");
        }
        long first = toAppend.get(0).index();
        if (first > lastIndex() + 1 || first <= baseIndex) {
            throw new IllegalArgumentException("append at " + first + " outside (" + baseIndex + ", " + (lastIndex() + 1)
                    + "]");
        }
        while (lastIndex() >= first) {
            entries.remove(entries.size() - 1);
        }
        entries.addAll(toAppend);
        LogEntry last = toAppend.get(toAppend.size() - 1);
        long queuedIn = generation;
        writer.execute(() -> {
            DurabilityListener l = listener;
            synchronized (this) {
                if (queuedIn != generation) {
                    return; // discarded by a compaction before it was reported
                }
            }
            if (l != null) {
                l.durable(last.index(), last.term());
            }
        });
    }

    /**
     * Holds the writer, for tests: nothing queued from now on is reported durable (nor run) until the returned latch is
     * counted down — a disk that is slow to finish a write.
     */
    public synchronized java.util.concurrent.CountDownLatch holdWriter() {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        writer.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return release;
    }

    @Override
    public synchronized void runInWriter(Runnable task) {
        try {
            writer.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new StorageException("the log is closed");
        }
    }

    @Override
    public void setDurabilityListener(DurabilityListener listener) {
        this.listener = listener;
    }

    @Override
    public synchronized void compactTo(long index, long term) {
        if (index <= baseIndex) {
            return;
        }
        boolean holds = index <= lastIndex() && term(index) == term;
        if (holds) {
            entries.subList(0, (int) (index - baseIndex)).clear();
        } else {
            entries.clear(); // paper Figure 13, rules 6 and 7: the snapshot replaces the whole log
            generation++;
        }
        baseIndex = index;
        baseTerm = term;
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
