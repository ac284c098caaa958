package io.keelraft.client;

import io.keelraft.core.NotLeaderException;
import io.keelraft.core.OutOfOrderException;
import io.keelraft.core.OverloadedException;
import io.keelraft.core.RaftException;
import io.keelraft.core.RaftTimeoutException;
import io.keelraft.core.SessionExpiredException;
import io.keelraft.core.ShutdownException;
import io.keelraft.transport.netty.wire.direct.ClientWire;

/** A server's failure answer, in raft-core's exception types (the same an in-process caller sees). */
final class Failures {

    private Failures() {
    }

    /** {@code server} is the id of the server that answered. */
    static RaftException of(String server, ClientWire.Failed f) {
        boolean certain = f.certainlyNotApplied();
        return switch (f.reason()) {
            case NOT_LEADER -> new NotLeaderException(server, f.leaderHint(), f.leaderAddress());
            case OVERLOADED -> new OverloadedException(f.message());
            case SESSION_EXPIRED -> new SessionExpiredException(f.message());
            case OUT_OF_ORDER -> new OutOfOrderException(f.message());
            case TIMEOUT -> new RaftTimeoutException(f.message());
            case SHUTDOWN -> new ShutdownException("server " + server + " is shutting down: " + f.message(),
                    null, !certain);
            default -> new RaftException("server " + server + ": " + f.message(), !certain);
        };
    }
}
