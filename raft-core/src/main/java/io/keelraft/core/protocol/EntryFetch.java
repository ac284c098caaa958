package io.keelraft.core.protocol;

/**
 * A leader's request to read entries for a lagging follower off its raft loop: the entries it needs are no
 * longer in memory ({@link DurableLog#inMemory}), and reading them from disk must not stall the loop (like raft-rs's
 * asynchronous fetch). The driver reads {@code [fromIndex, toIndex)} up to {@code maxBytes} from the log store on
 * another thread and reports them with {@link RaftProtocol#entriesFetched}; until then nothing more is sent to
 * {@code peer}.
 *
 * <p>With {@code peer} this server's own id, it reads committed entries this server is to apply that are on disk
 * only (after a restart, or when application fell far behind): they come back as the next Ready's committed
 * entries, and none after them is handed out before.
 *
 * @param peer      the follower the entries are for, or this server to apply them
 * @param term      the leader's term when it asked (a report from an older term is ignored); 0 for this server
 * @param fromIndex the first index wanted
 * @param toIndex   one past the last index wanted
 * @param maxBytes  the most bytes one AppendEntries may carry
 */
public record EntryFetch(String peer, long term, long fromIndex, long toIndex, long maxBytes) {
}
