package io.keelraft.core;

/**
 * This server is not a member of the configuration it holds: it was removed, or it waits to be added
 * ({@link RaftNode.Builder#joining()}). It cannot serve commands or linearizable reads — a command forwarded
 * through it would complete only once it applied the entry, and it no longer receives the log — so it refuses
 * them at once instead of letting them run into the request timeout. Retrying on this server does not help; a
 * client goes to a member (the leader is named when this server knows it).
 */
public class NotMemberException extends NotLeaderException {

    /** {@code leaderId} and {@code leaderAddress} are null when no leader is known. */
    public NotMemberException(String serverId, String leaderId, String leaderAddress) {
        super(serverId, leaderId, leaderAddress, "server " + serverId + " is not a member of the cluster's "
                + "configuration (removed, or waiting to be added); send requests to a member"
                + (leaderId == null ? "" : ", e.g. the leader " + leaderId
                + (leaderAddress == null ? "" : " at " + leaderAddress)));
    }
}
