package io.keelraft.storage;

import io.keelraft.core.protocol.LogEntry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * What readers of the log see: its base, its durable entries (terms, cache, segment positions) — and nothing
 * the writer has not yet made durable. The raft loop reads under the read lock; the writer thread publishes a
 * forced batch, or unpublishes a suffix before truncating files, under the write lock, so a reader never sees
 * a half-applied change.
 */
final class LogView {

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final LogTerms terms;
    private final EntryCache cache;
    /** Published segments, in index order; some may hold only entries at or below the base. */
    private final List<Segment> segments;
    /** Bumped by {@link #reset}: batches written for an older epoch are never published. */
    private volatile long epoch;

    LogView(LogTerms terms, List<Segment> segments, long cacheBytes) {
        this.terms = terms;
        this.segments = new ArrayList<>(segments);
        this.cache = new EntryCache(cacheBytes);
    }

    long epoch() {
        return epoch;
    }

    long snapshotIndex() {
        lock.readLock().lock();
        try {
            return terms.baseIndex();
        } finally {
            lock.readLock().unlock();
        }
    }

    long snapshotTerm() {
        lock.readLock().lock();
        try {
            return terms.baseTerm();
        } finally {
            lock.readLock().unlock();
        }
    }

    long lastIndex() {
        lock.readLock().lock();
        try {
            return terms.lastIndex();
        } finally {
            lock.readLock().unlock();
        }
    }

    long term(long index) {
        lock.readLock().lock();
        try {
            return terms.term(index);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** A copy of the terms, for the submit side to start over from after a failure. */
    LogTerms termsCopy() {
        lock.readLock().lock();
        try {
            return terms.copy();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** True when the entry at {@code index} is in the cache (or beyond the durable log): no read needed. */
    boolean inMemory(long index) {
        lock.readLock().lock();
        try {
            return index > terms.lastIndex() || cache.contains(index);
        } finally {
            lock.readLock().unlock();
        }
    }

    List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
        lock.readLock().lock();
        try {
            if (fromIndex <= terms.baseIndex() || toIndex > terms.lastIndex() + 1 || fromIndex > toIndex) {
                throw new IndexOutOfBoundsException("entries [" + fromIndex + ", " + toIndex + ") outside the log ("
                        + terms.baseIndex() + ", " + terms.lastIndex() + "]");
            }
            List<LogEntry> out = new ArrayList<>();
            long bytes = 0;
            long index = fromIndex;
            while (index < toIndex) {
                if (cache.contains(index)) {
                    LogEntry entry = cache.get(index);
                    if (!out.isEmpty() && bytes + entry.sizeInBytes() > maxBytes) {
                        break;
                    }
                    out.add(entry);
                    bytes += entry.sizeInBytes();
                    index++;
                    continue;
                }
                Segment segment = segmentHolding(index);
                long stop = Math.min(Math.min(toIndex, segment.lastIndex() + 1), Math.max(index + 1, cache.firstIndex()));
                List<LogEntry> read = segment.read(index, stop, maxBytes - bytes, out.isEmpty());
                for (LogEntry entry : read) {
                    bytes += entry.sizeInBytes();
                }
                out.addAll(read);
                if (read.size() < stop - index) {
                    break;
                }
                index = stop;
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    private Segment segmentHolding(long index) {
        int lo = 0;
        int hi = segments.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (segments.get(mid).firstIndex <= index) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        Segment segment = segments.get(lo);
        if (index < segment.firstIndex || index > segment.lastIndex()) {
            throw new IllegalStateException("no segment holds index " + index + " (segments " + segments + ")");
        }
        return segment;
    }

    List<Segment> segments() {
        lock.readLock().lock();
        try {
            return List.copyOf(segments);
        } finally {
            lock.readLock().unlock();
        }
    }

    // ---- writer thread ----

    /**
     * Makes a forced batch visible: entry i was written to {@code segmentOf[i]} at {@code positions[i]}.
     *
     * @return false when a {@link #reset} since {@code batchEpoch} made the batch obsolete (nothing published)
     */
    boolean publish(List<LogEntry> entries, Segment[] segmentOf, long[] positions, long batchEpoch) {
        lock.writeLock().lock();
        try {
            if (batchEpoch != epoch) {
                return false;
            }
            for (int i = 0; i < entries.size(); i++) {
                LogEntry entry = entries.get(i);
                Segment segment = segmentOf[i];
                if (segments.isEmpty() || segments.get(segments.size() - 1) != segment) {
                    segments.add(segment);
                }
                segment.publish(positions[i], positions[i] + RecordFormat.recordBytes(entry));
                terms.append(entry.index(), entry.term());
                cache.add(entry);
            }
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Hides every entry from {@code index} on, before the writer changes the files that hold them. */
    void unpublishFrom(long index) {
        lock.writeLock().lock();
        try {
            terms.truncateFrom(index);
            cache.truncateFrom(index);
            while (!segments.isEmpty() && segments.get(segments.size() - 1).firstIndex >= index) {
                segments.remove(segments.size() - 1);
            }
            if (!segments.isEmpty()) {
                segments.get(segments.size() - 1).unpublishFrom(index);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Stops reading from {@code removed}, before the writer deletes their files. */
    void removeSegments(Collection<Segment> removed) {
        lock.writeLock().lock();
        try {
            segments.removeAll(removed);
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ---- submit side (compactTo), under the write queue's lock ----

    /** Moves the base to ({@code index}, {@code term}); the entries after it stay. */
    void compactTo(long index, long term) {
        lock.writeLock().lock();
        try {
            terms.compactTo(index, term);
            cache.dropThrough(index);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Empties the log, based at ({@code index}, {@code term}); batches in flight will not be published. */
    void reset(long index, long term) {
        lock.writeLock().lock();
        try {
            terms.reset(index, term);
            cache.clear();
            segments.clear();
            epoch++;
        } finally {
            lock.writeLock().unlock();
        }
    }
}
