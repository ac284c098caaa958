package io.keelraft.core.metrics;

/**
 * Where a server reports what it does. The default records nothing; {@link MicrometerMetrics} records into a
 * Micrometer registry when Micrometer is on the classpath. Implementations must be cheap and thread-safe:
 * they are called from the raft loop and the apply thread.
 */
public interface RaftMetrics {

    /** Records nothing. */
    RaftMetrics NONE = new RaftMetrics() {
    };

    /** A command was appended to the leader's log. */
    default void proposed() {
    }

    /** A proposal was refused (not leader, overloaded, stopped). */
    default void proposalRejected(String reason) {
    }

    /** This server became leader. */
    default void becameLeader(long term) {
    }

    /** This server started an election (after winning PreVote when it is on). */
    default void electionStarted(long term) {
    }

    /** A batch of {@code entries} committed entries was applied in {@code nanos}. */
    default void applied(int entries, long nanos) {
    }

    /** A command this server proposed was applied {@code nanos} after it was submitted. */
    default void commandLatency(long nanos) {
    }

    /** The log store reported entries durable {@code nanos} after the oldest of them was handed to it. */
    default void logWriteLatency(long nanos) {
    }

    /** A read was confirmed (ReadIndex) {@code nanos} after it started. */
    default void readLatency(long nanos) {
    }

    /** Raft messages left for peers, with the entry bytes they carried. */
    default void messagesSent(int messages, long entryBytes) {
    }

    /** A Raft message arrived from a peer. */
    default void messageReceived() {
    }

    /** This server started taking a snapshot of its own state. */
    default void snapshotStarted() {
    }

    /** This server made a snapshot of its own state through {@code index} durable: {@code bytes}, in {@code nanos}. */
    default void snapshotTaken(long index, long bytes, long nanos) {
    }

    /** Taking a snapshot failed (it is retried later; the log is not compacted meanwhile). */
    default void snapshotFailed() {
    }

    /** This server installed a leader's snapshot through {@code index} ({@code bytes}). */
    default void snapshotInstalled(long index, long bytes) {
    }

    /** A snapshot chunk of {@code bytes} was accepted by a follower. */
    default void snapshotChunkSent(long bytes) {
    }

    /** A snapshot chunk was refused: it failed its checksum, or the follower could not write it. */
    default void snapshotChunkRefused() {
    }
}
