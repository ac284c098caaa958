package io.keelraft.core.spi;

import java.util.Objects;

/** What a follower asks of the leader on behalf of its clients. */
public sealed interface ForwardRequest permits ForwardRequest.Submit, ForwardRequest.ReadIndex, ForwardRequest.InstallSnapshotChunk {

    /** Commit and apply this command; answer with the state machine's result. */
    record Submit(byte[] command) implements ForwardRequest {
        public Submit {
            Objects.requireNonNull(command, "command");
        }
    }

    /** Confirm leadership and answer with a read index (thesis §6.4: reads on followers). */
    record ReadIndex() implements ForwardRequest {
    }

    /**
     * One chunk of the leader's snapshot for a follower whose next entry it compacted away (thesis §5.3,
     * Figure 5.3's InstallSnapshot, split into chunks). Chunks are sent one after another: the follower
     * answers each with {@link ForwardResponse.SnapshotChunkAccepted} naming the offset it wants next, which
     * is how a transfer resumes where a dropped one stopped. When the last chunk is durable the follower
     * commits the snapshot (checking {@code totalCrc32c}) and steps the protocol's InstallSnapshot.
     *
     * @param term        the leader's term
     * @param leaderId    the leader
     * @param snapshot    what the snapshot covers
     * @param totalBytes  size of the whole snapshot
     * @param totalCrc32c CRC32C of the whole snapshot
     * @param offset      where {@code data} starts
     * @param data        the chunk's bytes
     * @param chunkCrc32c CRC32C of {@code data}
     * @param last        true when {@code offset + data.length == totalBytes}
     */
    record InstallSnapshotChunk(long term, String leaderId, io.keelraft.core.SnapshotMeta snapshot,
                                long totalBytes, int totalCrc32c, long offset, byte[] data, int chunkCrc32c,
                                boolean last) implements ForwardRequest {
        public InstallSnapshotChunk {
            Objects.requireNonNull(leaderId, "leaderId");
            Objects.requireNonNull(snapshot, "snapshot");
            Objects.requireNonNull(data, "data");
        }
    }
}
