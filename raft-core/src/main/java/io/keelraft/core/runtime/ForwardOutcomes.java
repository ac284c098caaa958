package io.keelraft.core.runtime;

import io.keelraft.core.NotLeaderException;
import io.keelraft.core.OutcomeUnknownException;
import io.keelraft.core.OverloadedException;
import io.keelraft.core.RaftException;
import io.keelraft.core.RaftTimeoutException;
import io.keelraft.core.SessionExpiredException;
import io.keelraft.core.ShutdownException;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.TransportException;
import java.util.concurrent.CompletionException;
import java.util.function.UnaryOperator;

/**
 * Failures of requests a follower forwards to the leader, in both directions, keeping whether a command may
 * have taken effect (see {@link RaftException#mayHaveTakenEffect()}): the leader turns its failure into a
 * {@link ForwardResponse.Failed} that says whether the command certainly did not take effect; the follower
 * turns that answer — or the transport's failure — back into an exception that says the same.
 */
final class ForwardOutcomes {

    private final String id;
    private final UnaryOperator<String> addressOf;

    /**
     * @param id        this server
     * @param addressOf a server's host:port, or null when unknown (for the leader hints of exceptions)
     */
    ForwardOutcomes(String id, UnaryOperator<String> addressOf) {
        this.id = id;
        this.addressOf = addressOf;
    }

    /**
     * Follower: the transport could not bring back the leader's answer to a forwarded command. Certain only when
     * the request never left this process (no connection): otherwise the leader may have appended it.
     */
    RaftException commandNotForwarded(String leader, Throwable failure) {
        Throwable cause = unwrap(failure);
        boolean maySent = !(cause instanceof TransportException t) || t.mayHaveBeenSent();
        return new RaftException("could not forward the command to leader " + leader + ": " + cause.getMessage()
                + (maySent ? "; it may or may not have been applied" : "; it was not sent, so it was not applied"),
                cause, maySent);
    }

    /**
     * Follower: the leader's answer was a failure (or not the answer expected). Only an answer that says the
     * command certainly did not take effect is reported as such: an older leader that does not say, or an
     * answer of the wrong kind, leaves the outcome unknown.
     */
    RaftException fromLeader(ForwardResponse resp) {
        if (!(resp instanceof ForwardResponse.Failed f)) {
            return new OutcomeUnknownException("unexpected answer from the leader: " + resp);
        }
        if (f.reason() == ForwardResponse.Reason.TIMEOUT) {
            return new RaftTimeoutException(f.message()); // the leader did not decide in time: unknown
        }
        if (!f.certainlyNotApplied()) {
            return new OutcomeUnknownException("the leader could not confirm the outcome: " + f.message());
        }
        return switch (f.reason()) {
            case NOT_LEADER -> new NotLeaderException(id, f.leaderHint(),
                    f.leaderHint() == null ? null : addressOf.apply(f.leaderHint()));
            case OVERLOADED -> new OverloadedException(f.message());
            // Not a ShutdownException: that would say *this* server stopped, and it did not.
            case SHUTDOWN -> new RaftException("the leader is shutting down: " + f.message(), false);
            case SESSION_EXPIRED -> new SessionExpiredException(f.message());
            case OUT_OF_ORDER -> new io.keelraft.core.OutOfOrderException(f.message());
            case TIMEOUT, INTERNAL -> new RaftException(f.message(), false);
        };
    }

    /**
     * Leader: the answer to a forwarded request that failed with {@code e}; {@code certainlyNotApplied} only when
     * the failure says it did not take effect ({@link RaftException#failureMayHaveTakenEffect(Throwable)}).
     */
    static ForwardResponse.Failed toLeaderAnswer(Throwable e) {
        Throwable cause = unwrap(e);
        String message = String.valueOf(cause.getMessage());
        boolean certain = !RaftException.failureMayHaveTakenEffect(cause);
        ForwardResponse.Reason reason;
        String hint = null;
        if (cause instanceof NotLeaderException nl) {
            reason = ForwardResponse.Reason.NOT_LEADER;
            hint = nl.leaderId();
        } else if (cause instanceof OverloadedException) {
            reason = ForwardResponse.Reason.OVERLOADED;
        } else if (cause instanceof SessionExpiredException) {
            reason = ForwardResponse.Reason.SESSION_EXPIRED;
        } else if (cause instanceof io.keelraft.core.OutOfOrderException) {
            reason = ForwardResponse.Reason.OUT_OF_ORDER;
        } else if (cause instanceof ShutdownException) {
            reason = ForwardResponse.Reason.SHUTDOWN;
        } else if (cause instanceof RaftTimeoutException) {
            reason = ForwardResponse.Reason.TIMEOUT;
        } else {
            reason = ForwardResponse.Reason.INTERNAL;
        }
        return new ForwardResponse.Failed(reason, hint, message, certain);
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }
}
