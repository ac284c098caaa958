package io.keelraft.examples.kv;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client connections one server holds at once (Redis' {@code maxclients}). A connection past the limit is
 * answered {@code -ERR max number of clients reached} and closed ({@link RejectedClient}), so that no number of
 * clients can take the file descriptors the server's log, snapshots and peers need.
 */
final class ClientSlots {

    private final int max;
    private final AtomicInteger connected = new AtomicInteger();
    private final AtomicLong rejected = new AtomicLong();

    ClientSlots(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, was " + max);
        }
        this.max = max;
    }

    /** Takes a slot for a new connection, or counts it rejected when all are taken. */
    boolean tryAcquire() {
        while (true) {
            int now = connected.get();
            if (now >= max) {
                rejected.incrementAndGet();
                return false;
            }
            if (connected.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** Gives back the slot of a connection that closed. */
    void release() {
        connected.decrementAndGet();
    }

    int max() {
        return max;
    }

    int connected() {
        return connected.get();
    }

    /** Connections refused since the server started. */
    long rejected() {
        return rejected.get();
    }
}
