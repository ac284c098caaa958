package io.keelraft.core.protocol;

/**
 * What a server does in one role (paper Figure 2, "Rules for Servers"), as etcd-raft's {@code tickFunc} and
 * {@code stepFunc}: {@link RaftProtocol} picks the implementation of the current role for each input, after
 * it has settled the message's term (paper §5.1) — so a role sees only messages of its own term, except
 * PreVote requests and granted PreVote answers, which are about the next term and change no one's (thesis §9.6).
 */
sealed interface RoleStep permits Follower, Candidate, Leader {

    /** One tick of logical time in this role. */
    void tick();

    /** A well-formed message from a known server whose term {@link RaftProtocol#step} has settled. */
    void step(Message m);
}
