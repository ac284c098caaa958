package io.keelraft.core.protocol;

import io.keelraft.core.SnapshotMeta;
import java.util.List;

/**
 * One batch of work the protocol hands to its driver after an input. {@link #softState()}, when not null, says
 * that this server's role, term or known leader changed since the previous Ready (informational: nothing to do
 * for the protocol's sake). The driver must
 * <ol>
 *   <li>if {@link #snapshotToRestore()} is not null: discard the log up to and including its index (the log now
 *       starts after it), and restore the state machine from that snapshot after applying every committed
 *       entry handed out before; it becomes the applied state at the snapshot's index;</li>
 *   <li>persist {@link #hardState()} (if not null) and append {@link #entriesToAppend()} — an appended entry
 *       whose index is already stored replaces that entry and every entry after it (suffix truncation);</li>
 *   <li>send {@link #messages()} at once: they depend only on state that is already durable, and a leader
 *       sends entries in parallel with writing them to its own disk (thesis §10.2.1);</li>
 *   <li>send {@link #messagesAfterPersist()} only once the writes of this Ready, and of every Ready before
 *       it, are durable: they carry votes, terms or acknowledgements that a crash must not take back;</li>
 *   <li>report durable entries back with {@link RaftProtocol#persisted(long, long)}, and a durable hard state
 *       with {@link RaftProtocol#hardStatePersisted(HardState)} (a candidate of a one-voter configuration
 *       becomes leader only then);</li>
 *   <li>apply {@link #committedEntries()} to the state machine in order;</li>
 *   <li>serve each read of {@link #readStates()} once its read index is applied, and fail each read of
 *       {@link #abortedReads()} (leadership was lost before it was confirmed);</li>
 *   <li>read the entries of each {@link #entriesToFetch()} from the log store on another thread than the one
 *       driving the protocol, and report them with {@link RaftProtocol#entriesFetched} (an empty list when the
 *       read failed).</li>
 * </ol>
 */
public record Ready(
        SoftState softState,
        HardState hardState,
        List<LogEntry> entriesToAppend,
        List<Message> messages,
        List<Message> messagesAfterPersist,
        List<LogEntry> committedEntries,
        List<ReadState> readStates,
        List<Long> abortedReads,
        SnapshotMeta snapshotToRestore,
        List<EntryFetch> entriesToFetch) {

    /** A Ready with no work in it. */
    public static final Ready EMPTY = new Ready(null, null, List.of(), List.of(), List.of(), List.of(), List.of(),
            List.of(), null, List.of());

    /** True when there is nothing to persist (so after-persist messages wait only for earlier writes). */
    public boolean nothingToPersist() {
        return hardState == null && entriesToAppend.isEmpty() && snapshotToRestore == null;
    }

    /** True when the Ready carries no work at all, nor a changed soft state. */
    public boolean isEmpty() {
        return softState == null && nothingToPersist() && messages.isEmpty() && messagesAfterPersist.isEmpty()
                && committedEntries.isEmpty() && readStates.isEmpty() && abortedReads.isEmpty()
                && entriesToFetch.isEmpty();
    }
}
