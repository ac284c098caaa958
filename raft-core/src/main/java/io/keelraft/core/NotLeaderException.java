package io.keelraft.core;

/**
 * This server is not the leader; retry on the leader, named when known. The request did not take effect
 * ({@link #mayHaveTakenEffect()} is false): a server that is not the leader refuses a command before appending
 * it, and a command of this leader's log that another leader's entry replaced at its index can never be
 * committed (paper §5.3, §5.4: one entry per committed index).
 */
public class NotLeaderException extends RaftException {

    private final String leaderId;
    private final String leaderAddress;

    /** {@code leaderId} and {@code leaderAddress} are null when no leader is known. */
    public NotLeaderException(String serverId, String leaderId, String leaderAddress) {
        this(serverId, leaderId, leaderAddress, "server " + serverId + " is not the leader"
                + (leaderId == null ? "; no leader is known right now, retry shortly"
                : "; the leader is " + leaderId + (leaderAddress == null ? "" : " at " + leaderAddress)));
    }

    /** For subclasses that say more about why this server cannot serve the request. */
    protected NotLeaderException(String serverId, String leaderId, String leaderAddress, String message) {
        super(message, false);
        this.leaderId = leaderId;
        this.leaderAddress = leaderAddress;
    }

    /** The leader's id, or null when none is known. */
    public String leaderId() {
        return leaderId;
    }

    /** The leader's host:port, or null when unknown. */
    public String leaderAddress() {
        return leaderAddress;
    }
}
