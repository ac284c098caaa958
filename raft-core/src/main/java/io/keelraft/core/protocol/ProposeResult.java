package io.keelraft.core.protocol;

/**
 * Outcome of {@link RaftProtocol#propose}: either the (index, term) the entry was given — it is committed
 * once an entry with that index <em>and that term</em> is applied — or why it was refused.
 */
public record ProposeResult(boolean accepted, long index, long term, String leaderHint) {

    static ProposeResult accepted(long index, long term) {
        return new ProposeResult(true, index, term, null);
    }

    /**
     * Refused because a leadership transfer to {@code transferee} is in progress (thesis §3.10): the client
     * should retry there (or here, if the transfer aborts).
     */
    static ProposeResult transferring(String transferee) {
        return new ProposeResult(false, 0, 0, transferee);
    }

    static ProposeResult notLeader(String leaderHint) {
        return new ProposeResult(false, 0, 0, leaderHint);
    }
}
