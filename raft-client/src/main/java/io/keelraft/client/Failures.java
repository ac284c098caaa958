package io.keelraft.client;

import io.keelraft.core.NotLeaderException;
import io.keelraft.core.OutOfOrderException;
import io.keelraft.core.OverloadedException;
import io.keelraft.core.RaftException;
import io.keelraft.core.RaftTimeoutException;
import io.keelraft.core.SessionExpiredException;
import io.keelraft.core.ShutdownException;
import io.keelraft.transport.netty.wire.ForwardResponse;

/** A server's failure answer, in raft-core's exception types (the same an in-process caller sees). */
final class Failures {

    private Failures() {
    }

    /** {@code server} is the id of the server that answered. */
    static RaftException of(String server, ForwardResponse.Failed f) {
        boolean certain = f.getCertainlyNotApplied();
        String hint = f.hasLeaderHint() ? f.getLeaderHint() : null;
        String address = f.hasLeaderAddress() ? f.getLeaderAddress() : null;
        return switch (f.getReason()) {
            case REASON_NOT_LEADER -> new NotLeaderException(server, hint, address);
            case REASON_OVERLOADED -> new OverloadedException(f.getMessage());
            case REASON_SESSION_EXPIRED -> new SessionExpiredException(f.getMessage());
            case REASON_OUT_OF_ORDER -> new OutOfOrderException(f.getMessage());
            case REASON_TIMEOUT -> new RaftTimeoutException(f.getMessage());
            case REASON_SHUTDOWN -> new ShutdownException("server " + server + " is shutting down: " + f.getMessage(),
                    null, !certain);
            default -> new RaftException("server " + server + ": " + f.getMessage(), !certain);
        };
    }
}
