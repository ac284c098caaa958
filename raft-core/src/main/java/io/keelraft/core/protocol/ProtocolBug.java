package io.keelraft.core.protocol;

/**
 * Deliberate protocol violations, reachable only from tests in this package, that prove the simulator
 * catches real bugs. Production code never sets one.
 */
enum ProtocolBug {
    NONE,
    /** Grant a vote even when this server already voted for someone else in the term (breaks Election Safety). */
    VOTE_TWICE_IN_A_TERM,
    /** Commit an entry of an earlier term by counting replicas (the trap of paper Figure 8). */
    COMMIT_OLD_TERM_BY_COUNTING,
    /** Grant votes without the up-to-date check of paper §5.4.1 (breaks Leader Completeness). */
    SKIP_UP_TO_DATE_CHECK,
    /** Change several voters in one step instead of through joint consensus (thesis §4.3). */
    SKIP_JOINT_CONSENSUS,
    /** Count learners towards commitment as if they were voters (thesis §4.2.1). */
    COUNT_LEARNERS_IN_COMMIT
}
