package io.keelraft.core.spi;

import java.util.Objects;

/** The leader's answer to a {@link ForwardRequest}; a server's answer to a remote {@link ClientRequest}. */
public sealed interface ForwardResponse
        permits ForwardResponse.Applied, ForwardResponse.ReadIndex, ForwardResponse.Failed,
        ForwardResponse.SnapshotChunkAccepted {

    /** The command was committed and applied; {@code result} is what the state machine returned. */
    record Applied(long index, byte[] result) implements ForwardResponse {
        public Applied {
            Objects.requireNonNull(result, "result");
        }
    }

    /** Reads that wait until {@code readIndex} is applied are linearizable. */
    record ReadIndex(long readIndex) implements ForwardResponse {
    }

    /**
     * A follower's answer to {@link ForwardRequest.InstallSnapshotChunk}: the offset of the next byte it wants
     * ({@code totalBytes} once the whole snapshot is durable and installed), and its current term (a higher
     * one makes the leader step down).
     */
    record SnapshotChunkAccepted(long term, long nextOffset) implements ForwardResponse {
    }

    /**
     * Why the request failed; {@code leaderHint} names the leader when the receiver knows it.
     * {@code certainlyNotApplied} is true only when the receiver knows a forwarded command did not take effect
     * (refused before it was appended to any log); false when its outcome is unknown (a timeout, a leadership
     * lost after appending it) — and for an answer from a server that does not say, which is the safe reading.
     */
    record Failed(Reason reason, String leaderHint, String message, boolean certainlyNotApplied)
            implements ForwardResponse {
        public Failed {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
        }

        /** A failure that does not vouch for the command's outcome ({@code certainlyNotApplied} false). */
        public Failed(Reason reason, String leaderHint, String message) {
            this(reason, leaderHint, message, false);
        }
    }

    /** Failure kinds a caller can act on. */
    enum Reason {
        /** Try the leader named by the hint. */
        NOT_LEADER,
        /** Too many pending proposals; back off. */
        OVERLOADED,
        /** The server is shutting down. */
        SHUTDOWN,
        /** The client session named by the command expired or was never opened; open a new session. */
        SESSION_EXPIRED,
        /** Not decided in time; the command may still be applied (use sessions to retry safely). */
        TIMEOUT,
        /** An unexpected failure, described by the message. */
        INTERNAL,
        /** A command of an ordered session arrived before its predecessor was applied; send it again after it. */
        OUT_OF_ORDER
    }
}
