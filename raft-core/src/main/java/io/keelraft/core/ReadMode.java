package io.keelraft.core;

/** How {@link RaftNode#query(byte[], ReadMode)} makes sure a read sees the latest committed state. */
public enum ReadMode {
    /**
     * Linearizable, the default (thesis §6.4 ReadIndex): the leader confirms it still leads with one heartbeat
     * round to a majority, then the query runs once the state machine has applied the read index. No log write.
     */
    READ_INDEX,
    /**
     * Linearizable only if clocks behave (thesis §6.4.1): the leader skips the heartbeat round while a majority
     * acknowledged one that started less than 90% of an election timeout ago. Safe only if no server's clock
     * runs more than about 10% faster or slower than another's and processes are not paused (GC, VM
     * migration) longer than the remaining lease; requires CheckQuorum. Falls back to {@link #READ_INDEX} when
     * the lease has lapsed.
     */
    LEASE,
    /**
     * Not linearizable: answers from this server's state as it is now, which may lag the leader by any amount
     * (and a partitioned server's state forever). For monitoring or caches that tolerate staleness.
     */
    STALE_LOCAL
}
