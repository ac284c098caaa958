package io.keelraft.core;

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
 * @param configuration the configuration in force on this server (the latest in its log, committed or not,
 *                      thesis §4.1): voters, learners, outgoing voters during a joint change, and the addresses
 *                      it records; no members at all on a server started with {@link RaftNode.Builder#joining()}
 *                      that has not learnt its configuration yet
 * @param clusterId    the cluster id recorded in its data directory, or null until learned
 * @param storageProblem why its log store fails writes (a full disk: it then takes no writes, does not lead,
 *                       and recovers by itself once the disk works), or null while it works
 */
public record NodeStatus(String id, Role role, long term, String leaderId, long commitIndex, long lastApplied,
                         long lastIndex, Map<String, Long> matchIndexes, ClusterConfiguration configuration,
                         String clusterId, String storageProblem) {

    public NodeStatus {
        matchIndexes = Map.copyOf(matchIndexes);
        java.util.Objects.requireNonNull(configuration, "configuration");
    }
}
