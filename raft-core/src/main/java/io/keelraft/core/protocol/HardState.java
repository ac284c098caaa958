package io.keelraft.core.protocol;

/**
 * The state a server must persist before answering any RPC that depends on it (paper Figure 2).
 *
 * @param currentTerm latest term the server has seen
 * @param votedFor    the candidate that received this server's vote in {@code currentTerm}, or null
 */
public record HardState(long currentTerm, String votedFor) {
    /** The state of a server that has never run. */
    public static final HardState INITIAL = new HardState(0, null);

    public HardState {
        if (currentTerm < 0) {
            throw new IllegalArgumentException("currentTerm must be >= 0, was " + currentTerm);
        }
    }
}
