package io.keelraft.core;

/** The roles of paper §5.1 plus the pre-candidate of thesis §9.6 (PreVote). */
public enum Role {
    FOLLOWER,
    /** Asking whether it could win an election, without disturbing anyone's term (thesis §9.6). */
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
}
