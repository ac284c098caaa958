package io.keelraft.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.testkit.linearizability.Outcome;
import org.junit.jupiter.api.Test;

/** How the workload records a write's error reply: TRYAGAIN did not happen, UNKNOWN may have. */
class WriteErrorsTest {

    @Test
    void tryAgainAndAnExpiredSessionCertainlyDidNotTakeEffect() {
        assertThat(WriteErrors.outcomeOf("TRYAGAIN no leader elected yet")).isEqualTo(Outcome.FAIL);
        assertThat(WriteErrors.outcomeOf("TRYAGAIN not the leader; the leader is n2 at 127.0.0.2:7102"))
                .isEqualTo(Outcome.FAIL);
        assertThat(WriteErrors.outcomeOf("ERR client session expired, the command did not take effect: s7"))
                .isEqualTo(Outcome.FAIL);
    }

    @Test
    void unknownAndErrorsThatDoNotSayAreIndeterminate() {
        assertThat(WriteErrors.outcomeOf("UNKNOWN timed out, the command may or may not have been applied: x"))
                .isEqualTo(Outcome.UNKNOWN);
        assertThat(WriteErrors.outcomeOf("ERR server is shutting down: closed")).isEqualTo(Outcome.UNKNOWN);
        assertThat(WriteErrors.outcomeOf("TRYAGAINX not a code")).isEqualTo(Outcome.UNKNOWN);
    }
}
