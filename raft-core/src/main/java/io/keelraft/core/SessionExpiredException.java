package io.keelraft.core;

/**
 * The client session a command named is unknown to the replicated session table: it expired (no command
 * within the session timeout, by the leader's clock as carried in the log) or was never opened. The command
 * did not take effect ({@link #mayHaveTakenEffect()} is false: the session table refused it as it applied the
 * entry); open a new session and decide whether to resubmit.
 */
public class SessionExpiredException extends RaftException {

    /** Creates it with a message saying what went wrong. */
    public SessionExpiredException(String message) {
        super(message, false);
    }
}
