package io.keelraft.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The failure a retried session command ends with says whether any attempt may have taken effect. */
class RetryingTest {

    private final NotLeaderException noLeader = new NotLeaderException("n1", null, null);

    @Test
    void aCertainLastFailureAfterAnUncertainAttemptIsUnknown() {
        Throwable reported = Retrying.finalFailure(new CompletionException(noLeader), true);
        assertThat(reported).isInstanceOf(OutcomeUnknownException.class).hasCause(noLeader);
        assertThat(RaftException.failureMayHaveTakenEffect(reported)).isTrue();
        assertThat(reported.getMessage()).contains("earlier attempt", "no leader is known");
    }

    @Test
    void aCertainFailureOfEveryAttemptStaysCertainAndKeepsItsKind() {
        assertThat(Retrying.finalFailure(noLeader, false)).isSameAs(noLeader);
    }

    @Test
    void anUncertainLastFailureIsPassedOnAsItIs() {
        RaftTimeoutException timeout = new RaftTimeoutException("command not decided");
        assertThat(Retrying.finalFailure(timeout, true)).isSameAs(timeout);
        assertThat(Retrying.finalFailure(timeout, false)).isSameAs(timeout);
    }

    @Test
    void failuresKeelDoesNotVouchForAreUnknown() {
        assertThat(RaftException.failureMayHaveTakenEffect(new RuntimeException("?"))).isTrue();
        assertThat(RaftException.failureMayHaveTakenEffect(new RaftException("generic"))).isTrue();
        assertThat(RaftException.failureMayHaveTakenEffect(new CompletionException(new IllegalArgumentException("bad"))))
                .isFalse();
        assertThat(RaftException.failureMayHaveTakenEffect(new NotMemberException("n4", null, null))).isFalse();
        assertThat(RaftException.failureMayHaveTakenEffect(new OverloadedException("busy"))).isFalse();
    }
}
