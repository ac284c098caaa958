package io.keelraft.examples.kv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The key-value map with O(1) snapshots: {@link #capture()} freezes the map as it is now for a reader on another
 * thread, while the one writer (the apply thread) goes on changing it. Multi-version, the way MVCC databases do it:
 *
 * <ul>
 *   <li>Each key maps to an immutable {@link Node}: its value (null for a deleted key) and the <em>epoch</em> in
 *       which it was written, linked to older nodes that some capture still needs. {@code capture()} only
 *       records the current epoch and starts the next one — no copying.</li>
 *   <li>A write with no capture open replaces the node (history is dropped at once); with one open, the new node
 *       keeps the newest older node each open capture needs (at most one per capture), and a delete leaves a
 *       tombstone so that the capture's iteration still finds the old value.</li>
 *   <li>A capture's reader walks the {@link ConcurrentHashMap} (weakly consistent iteration: every key present
 *       throughout is seen exactly once) and takes, per key, the newest node of an epoch at or before its
 *       own.</li>
 *   <li>When the reader is done, {@link View#release()} drops the history and tombstones no open capture needs,
 *       on the reader's thread, with conditional replaces that lose harmlessly to a concurrent write.</li>
 * </ul>
 *
 * <p>Writes cost one node allocation more than a plain map; a write during a snapshot, one more node at most.
 * Every method but {@link View}'s is for the single writer thread.
 */
final class VersionedMap {

    /** One version of a key's value; immutable, so safe to read from the capture's thread. */
    private static final class Node {
        final byte[] value; // null: deleted
        final long epoch;
        final Node older;

        Node(byte[] value, long epoch, Node older) {
            this.value = value;
            this.epoch = epoch;
            this.older = older;
        }
    }

    private final ConcurrentHashMap<String, Node> map;
    /** Epoch of writes now; each capture takes the current one and moves this on. Writer thread only. */
    private long epoch = 1;
    /** Live keys (tombstones excluded). Writer thread only. */
    private long size;
    /** Epochs of the captures not yet released, ascending; replaced whole under {@link #capturesLock}. */
    private volatile long[] openCaptures = new long[0];
    private final Object capturesLock = new Object();

    VersionedMap() {
        this(16);
    }

    VersionedMap(int expectedKeys) {
        map = new ConcurrentHashMap<>(Math.max(16, (int) Math.min(1 << 30, expectedKeys * 4L / 3 + 1)));
    }

    byte[] get(String key) {
        Node n = map.get(key);
        return n == null ? null : n.value;
    }

    boolean containsKey(String key) {
        return get(key) != null;
    }

    long size() {
        return size;
    }

    /** Sets {@code key} to {@code value}; returns the previous value or null. */
    byte[] put(String key, byte[] value) {
        long[] open = openCaptures;
        Node old;
        if (open.length == 0) {
            // No capture can read the old value: one hash lookup instead of two (the common case, and the map is
            // far bigger than the CPU's caches, so each lookup is a few cache misses).
            old = map.put(key, new Node(value, epoch, null));
        } else {
            old = map.get(key);
            map.put(key, new Node(value, epoch, needed(old, epoch, open)));
        }
        byte[] previous = old == null ? null : old.value;
        if (previous == null) {
            size++;
        }
        return previous;
    }

    /** Deletes {@code key}; true when it existed. */
    boolean remove(String key) {
        Node old = map.get(key);
        if (old == null || old.value == null) {
            return false;
        }
        size--;
        Node history = needed(old, epoch, openCaptures);
        if (history == null) {
            map.remove(key);
        } else {
            map.put(key, new Node(null, epoch, history)); // a tombstone: an open capture still sees the old value
        }
        return true;
    }

    /**
     * The part of {@code chain} (newest first, every node older than epoch {@code newer}) that a capture in
     * {@code open} still reads: node p is the one capture c reads iff p.epoch &lt;= c &lt; the epoch of the next
     * newer node. Copies a node only when one behind it is dropped; chains hold one node per open capture at most.
     */
    private static Node needed(Node chain, long newer, long[] open) {
        if (open.length == 0) {
            return null;
        }
        for (Node p = chain; p != null; p = p.older) {
            if (anyIn(open, p.epoch, newer)) {
                Node rest = needed(p.older, p.epoch, open);
                return rest == p.older ? p : new Node(p.value, p.epoch, rest);
            }
            // No capture reads p; the captures in [older.epoch, p.epoch) are also in [older.epoch, newer).
        }
        return null;
    }

    private static boolean anyIn(long[] ascending, long from, long to) {
        for (long c : ascending) {
            if (c >= from && c < to) {
                return true;
            }
        }
        return false;
    }

    /** Freezes the map as it is now, in O(1); the view must be {@link View#release() released}. */
    View capture() {
        long captured = epoch++;
        synchronized (capturesLock) {
            long[] grown = Arrays.copyOf(openCaptures, openCaptures.length + 1);
            grown[grown.length - 1] = captured; // epochs only grow: stays ascending
            openCaptures = grown;
        }
        return new View(captured, size);
    }

    /** Receives a view's entries. */
    @FunctionalInterface
    interface EntryConsumer {
        void accept(String key, byte[] value) throws IOException;
    }

    /** The map as of one capture; read from any one thread while the writer goes on. */
    final class View {
        private final long captured;
        private final long size;
        private boolean released;

        private View(long captured, long size) {
            this.captured = captured;
            this.size = size;
        }

        /** Live keys at the capture. */
        long size() {
            return size;
        }

        /** Every key and value as of the capture, in no particular order. */
        void forEach(EntryConsumer consumer) throws IOException {
            if (released) {
                throw new IllegalStateException("view already released");
            }
            try {
                // ConcurrentHashMap.forEach: no entry object per key, unlike iterating entrySet().
                map.forEach((key, head) -> {
                    Node n = head;
                    while (n != null && n.epoch > captured) {
                        n = n.older;
                    }
                    if (n != null && n.value != null) {
                        try {
                            consumer.accept(key, n.value);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }

        /** Ends the capture and drops the history no open capture needs. Idempotent. */
        void release() {
            if (released) {
                return;
            }
            released = true;
            long[] open;
            synchronized (capturesLock) {
                long[] now = openCaptures;
                int at = Arrays.binarySearch(now, captured);
                long[] less = new long[now.length - 1];
                System.arraycopy(now, 0, less, 0, at);
                System.arraycopy(now, at + 1, less, at, now.length - at - 1);
                openCaptures = less;
                open = less;
            }
            // Sweep: a capture opened meanwhile reads only the newest node of each key, which stays; a write
            // racing with a conditional replace below wins, and its node derives from the same chain.
            map.forEach((key, n) -> {
                if (n.older == null && n.value != null) {
                    return;
                }
                Node older = needed(n.older, n.epoch, open);
                if (n.value == null && older == null) {
                    map.remove(key, n);
                } else if (older != n.older) {
                    map.replace(key, n, new Node(n.value, n.epoch, older));
                }
            });
        }
    }

    /** Nodes held for captures, tombstones included (for tests). */
    long historyNodes() {
        long count = 0;
        for (Node n : map.values()) {
            for (Node p = n.value == null ? n : n.older; p != null; p = p.older) {
                count++;
            }
        }
        return count;
    }
}
