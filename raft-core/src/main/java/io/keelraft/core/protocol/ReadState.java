package io.keelraft.core.protocol;

/**
 * A linearizable read that is now safe: once the state machine has applied {@code readIndex},
 * the read identified by {@code requestId} may be served from it (thesis §6.4, ReadIndex).
 */
public record ReadState(long requestId, long readIndex) {
}
