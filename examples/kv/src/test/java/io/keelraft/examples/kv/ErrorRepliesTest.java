package io.keelraft.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.NotLeaderException;
import io.keelraft.core.NotMemberException;
import io.keelraft.core.OutcomeUnknownException;
import io.keelraft.core.OverloadedException;
import io.keelraft.core.RaftException;
import io.keelraft.core.RaftTimeoutException;
import io.keelraft.core.SessionExpiredException;
import io.keelraft.core.ShutdownException;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * TRYAGAIN means "certainly not applied, safe to retry" to Redis clients: a write whose outcome is unknown must
 * never be answered with it.
 */
class ErrorRepliesTest {

    private static String write(Throwable failure) {
        return ((Reply.Error) ErrorReplies.ofWrite(failure)).message();
    }

    private static String read(Throwable failure) {
        return ((Reply.Error) ErrorReplies.ofRead(failure)).message();
    }

    @Test
    void aWriteThatMayHaveBeenAppliedIsNeverAnsweredTryAgain() {
        List<Throwable> uncertain = List.of(
                new RaftTimeoutException("command not decided within 10000 ms on server n1"),
                new OutcomeUnknownException("an earlier attempt may have taken effect, so the outcome is unknown; "
                        + "the last attempt failed: no leader", new NotLeaderException("n1", null, null)),
                new RaftException("could not forward the command to leader n2: the connection closed; it may or "
                        + "may not have been applied"),
                new ShutdownException("server n1 stopped: disk full", null, true),
                new CompletionException(new RaftTimeoutException("wrapped")),
                new RuntimeException("something Keel does not vouch for"));
        for (Throwable e : uncertain) {
            assertThat(write(e)).as(e.toString()).startsWith("UNKNOWN ")
                    .contains("may or may not have been applied");
        }
        assertThat(write(new RaftTimeoutException("x"))).startsWith("UNKNOWN timed out");
    }

    @Test
    void aWriteThatCertainlyWasNotAppliedAndMaySucceedLaterIsAnsweredTryAgain() {
        assertThat(write(new NotLeaderException("n1", null, null))).isEqualTo("TRYAGAIN no leader elected yet");
        assertThat(write(new NotLeaderException("n1", "n2", "10.0.0.2:7102")))
                .isEqualTo("TRYAGAIN not the leader; the leader is n2 at 10.0.0.2:7102");
        assertThat(write(new NotMemberException("n4", null, null))).startsWith("TRYAGAIN server n4 is not a member");
        assertThat(write(new OverloadedException("busy"))).startsWith("TRYAGAIN server overloaded");
        assertThat(write(new RaftException("could not forward the command to leader n2: no connection; it was not "
                + "sent, so it was not applied", false))).startsWith("TRYAGAIN could not forward");
    }

    @Test
    void aWriteThatWasNeverSubmittedIsCertainWhateverOpeningTheSessionSaid() {
        // Opening the session timed out (the session may exist), but the command itself was never sent.
        assertThat(write(new CompletionException(new CommandNotSentException(
                new RaftTimeoutException("command not decided within 10000 ms")))))
                .startsWith("TRYAGAIN the command was not sent: could not open a client session");
        assertThat(write(new CommandNotSentException(new NotLeaderException("n1", null, null))))
                .isEqualTo("TRYAGAIN no leader elected yet");
        assertThat(write(new CommandNotSentException(new ShutdownException("server n1 is closed", null, false))))
                .startsWith("ERR server is shutting down");
    }

    @Test
    void otherCertainFailuresAreErr() {
        assertThat(write(new SessionExpiredException("session 7 expired")))
                .startsWith("ERR client session expired, the command did not take effect");
        assertThat(write(new ShutdownException("server n1 is closed", null, false)))
                .startsWith("ERR server is shutting down");
        assertThat(write(new IllegalArgumentException("server n4 is already a voter")))
                .isEqualTo("ERR server n4 is already a voter");
    }

    @Test
    void aReadChangesNothingSoItsFailuresAreRetryable() {
        assertThat(read(new RaftTimeoutException("query not decided"))).startsWith("TRYAGAIN timed out");
        assertThat(read(new OutcomeUnknownException("?"))).startsWith("TRYAGAIN");
        assertThat(read(new NotLeaderException("n1", null, null))).isEqualTo("TRYAGAIN no leader elected yet");
    }
}
