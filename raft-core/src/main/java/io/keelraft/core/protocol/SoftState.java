package io.keelraft.core.protocol;

import io.keelraft.core.Role;
/**
 * The volatile state a driver may act on — this server's role, its current term and the leader it knows of —
 * handed out in a {@link Ready} when any of it changed since the previous Ready (like etcd-raft's SoftState).
 * Unlike {@link HardState} it is never persisted: a restarted server starts as a follower with no known leader.
 *
 * @param role     this server's role
 * @param term     its current term
 * @param leaderId the leader of that term as far as it knows, its own id while it leads, or null
 */
public record SoftState(Role role, long term, String leaderId) {
}
