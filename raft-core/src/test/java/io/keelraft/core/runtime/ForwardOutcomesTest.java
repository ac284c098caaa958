package io.keelraft.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.Test;

/** A forwarded command's failure keeps, in both directions, whether the command may have taken effect. */
class ForwardOutcomesTest {

    private final ForwardOutcomes outcomes = new ForwardOutcomes("n2", id -> "host-" + id);

    @Test
    void aForwardThatNeverLeftThisProcessCertainlyDidNotTakeEffect() {
        RaftException e = outcomes.commandNotForwarded("n1",
                new CompletionException(TransportException.notSent("no connection to peer n1")));
        assertThat(e.mayHaveTakenEffect()).isFalse();
        assertThat(e.getMessage()).contains("no connection to peer n1", "not applied");
    }

    @Test
    void aForwardThatMayHaveBeenSentHasAnUnknownOutcome() {
        RaftException timedOut = outcomes.commandNotForwarded("n1",
                new TransportException("peer n1 did not answer a forwarded request within 10000 ms"));
        assertThat(timedOut.mayHaveTakenEffect()).isTrue();
        assertThat(timedOut.getMessage()).contains("may or may not have been applied");
        // Anything else the transport throws is not vouched for either.
        assertThat(outcomes.commandNotForwarded("n1", new IllegalStateException("?")).mayHaveTakenEffect()).isTrue();
    }

    @Test
    void theLeadersTimeoutIsUnknownOnTheFollower() {
        RaftException e = outcomes.fromLeader(ForwardOutcomes.toLeaderAnswer(
                new RaftTimeoutException("forwarded command not decided within 10000 ms on server n1")));
        assertThat(e).isInstanceOf(RaftTimeoutException.class);
        assertThat(e.mayHaveTakenEffect()).isTrue();
    }

    @Test
    void certainRefusalsOfTheLeaderStayCertainAndKeepTheirKind() {
        ForwardResponse.Failed notLeader = ForwardOutcomes.toLeaderAnswer(new NotLeaderException("n1", "n3", null));
        assertThat(notLeader.certainlyNotApplied()).isTrue();
        assertThat(outcomes.fromLeader(notLeader)).isInstanceOfSatisfying(NotLeaderException.class, e -> {
            assertThat(e.mayHaveTakenEffect()).isFalse();
            assertThat(e.leaderId()).isEqualTo("n3");
            assertThat(e.leaderAddress()).isEqualTo("host-n3");
        });
        assertThat(outcomes.fromLeader(ForwardOutcomes.toLeaderAnswer(new OverloadedException("busy"))))
                .isInstanceOf(OverloadedException.class).returns(false, RaftException::mayHaveTakenEffect);
        assertThat(outcomes.fromLeader(ForwardOutcomes.toLeaderAnswer(new SessionExpiredException("gone"))))
                .isInstanceOf(SessionExpiredException.class).returns(false, RaftException::mayHaveTakenEffect);
        // A leader closed before accepting: certain, but not a ShutdownException (this server did not stop).
        RaftException shut = outcomes.fromLeader(ForwardOutcomes.toLeaderAnswer(
                new ShutdownException("server n1 is closed", null, false)));
        assertThat(shut).isNotInstanceOf(ShutdownException.class);
        assertThat(shut.mayHaveTakenEffect()).isFalse();
    }

    @Test
    void aLeaderThatStoppedWithTheCommandPendingLeavesItUnknown() {
        ForwardResponse.Failed answer = ForwardOutcomes.toLeaderAnswer(
                new CompletionException(new ShutdownException("server n1 stopped: disk full", null, true)));
        assertThat(answer.certainlyNotApplied()).isFalse();
        assertThat(outcomes.fromLeader(answer).mayHaveTakenEffect()).isTrue();
        assertThat(ForwardOutcomes.toLeaderAnswer(new OutcomeUnknownException("lost leadership")).certainlyNotApplied())
                .isFalse();
    }

    @Test
    void anAnswerThatDoesNotSayIsUnknownWhateverItsReason() {
        // What a leader built before certainly_not_applied existed sends (the field reads as false).
        for (ForwardResponse.Reason reason : ForwardResponse.Reason.values()) {
            RaftException e = outcomes.fromLeader(new ForwardResponse.Failed(reason, null, "old leader"));
            assertThat(e.mayHaveTakenEffect()).as(reason.name()).isTrue();
        }
        assertThat(outcomes.fromLeader(new ForwardResponse.ReadIndex(7)).mayHaveTakenEffect()).isTrue();
    }
}
