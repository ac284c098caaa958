package io.keelraft.core.spi;

import io.keelraft.core.ReadMode;
import java.util.Objects;

/**
 * What a remote client (Keel's own client protocol) asks of a server. The server answers each with a
 * {@link ForwardResponse}: {@link ForwardResponse.Applied} carrying the result, or {@link ForwardResponse.Failed}
 * saying whether the request certainly did not take effect.
 */
public sealed interface ClientRequest permits ClientRequest.OpenSession, ClientRequest.Command, ClientRequest.Query {

    /** Open a client session (thesis §6.3); the result is the session id, 8 bytes big-endian. */
    record OpenSession() implements ClientRequest {
    }

    /**
     * A command of session {@code sessionId}, applied at most once and only right after the session's command
     * {@code seq - 1}: the commands of one session are applied in sequence order.
     *
     * @param ackedThrough the client has the answers of every sequence number up to this one
     */
    record Command(long sessionId, long seq, long ackedThrough, byte[] command) implements ClientRequest {
        public Command {
            Objects.requireNonNull(command, "command");
        }
    }

    /** A read with the given consistency. */
    record Query(byte[] query, ReadMode mode) implements ClientRequest {
        public Query {
            Objects.requireNonNull(query, "query");
            Objects.requireNonNull(mode, "mode");
        }
    }
}
