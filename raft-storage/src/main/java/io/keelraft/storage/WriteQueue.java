package io.keelraft.storage;

import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.StorageException;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The hand-off between callers and the writer thread: requests waiting to be written, the shape of the log
 * once they are ({@code submitted}, used to check each new request), and whether the log accepts appends.
 * Callers never wait here for the disk: they take the lock only to validate and enqueue.
 */
final class WriteQueue {

    /** Something for the writer thread to do. */
    sealed interface Request permits Append, Compact, Task {
    }

    /** Append {@code entries}, replacing any stored entry at the same index and everything after it. */
    record Append(List<LogEntry> entries, long epoch) implements Request {
        long firstIndex() {
            return entries.get(0).index();
        }
    }

    /**
     * Persist the base ({@code index}, {@code term}) and delete the segments it covers; with
     * {@code discardAll}, delete every segment (the log did not hold that entry).
     */
    record Compact(long index, long term, boolean discardAll) implements Request {
    }

    /** Run {@code task} once the writes before it are done ({@link io.keelraft.core.spi.LogStore#runInWriter}). */
    record Task(Runnable task) implements Request {
    }

    /**
     * How long the writer spins for a new request before it sleeps: a caller that appends right after its
     * previous append became durable (the usual rhythm of a busy leader) then finds the writer awake, which
     * saves a thread wake-up — tens of microseconds, more on a busy machine — per group commit.
     */
    private static final long SPIN_NANOS = 50_000;

    private final ReentrantLock lock = new ReentrantLock();
    /** True while requests wait; read without the lock by the spinning writer. */
    private volatile boolean hasRequests;
    private final Condition wake = lock.newCondition();
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    private final LogView view;
    private LogTerms submitted;
    private StorageException failure;
    private boolean closing;

    WriteQueue(LogView view) {
        this.view = view;
        this.submitted = view.termsCopy();
    }

    /** Validates and queues an append (see {@link io.keelraft.core.spi.LogStore#append}). */
    void append(List<LogEntry> entries) {
        long first = entries.get(0).index();
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).index() != first + i) {
                throw new IllegalArgumentException("entries are not consecutive: " + entries.get(i - 1) + " then "
                        + entries.get(i));
            }
        }
        lock.lock();
        try {
            if (closing) {
                throw new StorageException("the log is closed");
            }
            if (failure != null) {
                throw new StorageException("the log accepts no appends until its disk works again; it failed with: "
                        + failure.getMessage(), failure);
            }
            if (first <= submitted.baseIndex() || first > submitted.lastIndex() + 1) {
                throw new IllegalArgumentException("cannot append at index " + first + ": the log holds ("
                        + submitted.baseIndex() + ", " + submitted.lastIndex() + "] counting queued appends");
            }
            submitted.truncateFrom(first);
            for (LogEntry entry : entries) {
                submitted.append(entry.index(), entry.term());
            }
            queue.add(new Append(List.copyOf(entries), view.epoch()));
            hasRequests = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Queues a task for the writer thread (see {@link io.keelraft.core.spi.LogStore#runInWriter}). */
    void task(Runnable task) {
        lock.lock();
        try {
            if (closing) {
                throw new StorageException("the log is closed");
            }
            queue.add(new Task(task));
            hasRequests = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves the log's base to ({@code index}, {@code term}) for readers at once, and queues the file work.
     * Entries after the base are kept when the log (counting queued appends) holds the entry at {@code index}
     * with {@code term}; otherwise the whole log is discarded, as a follower does when a snapshot it installs
     * does not match its log (paper Figure 13, InstallSnapshot rules 6 and 7).
     */
    void compactTo(long index, long term) {
        lock.lock();
        try {
            if (closing) {
                throw new StorageException("the log is closed");
            }
            if (index < submitted.baseIndex() || (index == submitted.baseIndex() && term == submitted.baseTerm())) {
                return; // already compacted this far
            }
            boolean keepsSuffix = submitted.contains(index) && submitted.term(index) == term;
            if (keepsSuffix) {
                submitted.compactTo(index, term);
                view.compactTo(index, term);
            } else {
                submitted.reset(index, term);
                view.reset(index, term);
                queue.removeIf(request -> request instanceof Append); // superseded: never to be reported durable
            }
            queue.add(new Compact(index, term, !keepsSuffix));
            hasRequests = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for requests and takes them all (the group of a group commit).
     *
     * @return the requests, or null once the queue is closing and empty
     */
    List<Request> takeAll() {
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (!hasRequests && System.nanoTime() < spinUntil) {
            // yield, not onSpinWait: on a machine with fewer free cores than runnable threads, the caller that
            // is about to append may be waiting for exactly this core.
            Thread.yield();
        }
        lock.lock();
        try {
            while (queue.isEmpty() && !closing) {
                wake.awaitUninterruptibly();
            }
            if (queue.isEmpty()) {
                return null;
            }
            List<Request> all = new ArrayList<>(queue);
            queue.clear();
            hasRequests = false;
            return all;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The writer failed: refuse appends until {@link #recovered()}, drop every queued append (the caller
     * reports them failed) and put {@code unfinished} compactions and tasks back at the front. What has been submitted
     * is now what readers see.
     */
    void fail(StorageException cause, List<Request> unfinished) {
        lock.lock();
        try {
            failure = cause;
            queue.removeIf(request -> request instanceof Append);
            for (int i = unfinished.size() - 1; i >= 0; i--) {
                queue.addFirst(unfinished.get(i));
            }
            hasRequests = !queue.isEmpty();
            submitted = view.termsCopy();
        } finally {
            lock.unlock();
        }
    }

    void recovered() {
        lock.lock();
        try {
            failure = null;
            if (!queue.isEmpty()) {
                wake.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    StorageException failure() {
        lock.lock();
        try {
            return failure;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits {@code nanos} before the writer probes the disk again, or less if closing.
     *
     * @return true when closing
     */
    boolean awaitRetry(long nanos) {
        lock.lock();
        try {
            long left = nanos;
            while (!closing && left > 0) {
                try {
                    left = wake.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return closing;
                }
            }
            return closing;
        } finally {
            lock.unlock();
        }
    }

    boolean isClosing() {
        lock.lock();
        try {
            return closing;
        } finally {
            lock.unlock();
        }
    }

    /** No more requests; the writer finishes what is queued and stops. */
    void close() {
        lock.lock();
        try {
            closing = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
