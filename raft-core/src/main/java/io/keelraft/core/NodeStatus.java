package io.keelraft.core;

import io.keelraft.core.protocol.Role;
import java.util.Map;

/**
 * A consistent snapshot of one server's Raft state.
 *
 * @param id           this server
 * @param role         its role now
 * @param term         its current term
 * @param leaderId     the leader it knows of, or null
 * @param commitIndex  highest index known committed
 * @param lastApplied  highest index applied to the state machine
 * @param lastIndex    last index of its log
 * @param matchIndexes on a leader: each follower's matchIndex (its lag is {@code lastIndex - matchIndex});
 *                     empty elsewhere
 */
public record NodeStatus(String id, Role role, long term, String leaderId, long commitIndex, long lastApplied,
                         long lastIndex, Map<String, Long> matchIndexes) {

    public NodeStatus {
        matchIndexes = Map.copyOf(matchIndexes);
    }
}
