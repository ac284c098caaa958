package io.keelraft.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Exactly-once semantics of client sessions (thesis §6.3). */
class SessionTableTest {

    private final AtomicInteger applied = new AtomicInteger();

    private byte[] applyOnce() {
        return ("r" + applied.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aRetriedSequenceNumberReturnsTheCachedResultWithoutApplyingAgain() {
        SessionTable t = new SessionTable(60_000);
        t.advanceTime(1_000);
        t.open(7);
        SessionTable.Outcome first = t.apply(7, 1, 0, this::applyOnce);
        SessionTable.Outcome retry = t.apply(7, 1, 0, this::applyOnce);
        assertThat(applied).hasValue(1);
        assertThat(((SessionTable.Outcome.Result) retry).duplicate()).isTrue();
        assertThat(((SessionTable.Outcome.Result) retry).value())
                .isEqualTo(((SessionTable.Outcome.Result) first).value());
    }

    @Test
    void acknowledgedResponsesAreForgottenAndTheirRetriesRefused() {
        SessionTable t = new SessionTable(60_000);
        t.open(1);
        t.apply(1, 1, 0, this::applyOnce);
        t.apply(1, 2, 1, this::applyOnce); // the client has seen seq 1's answer
        assertThat(t.apply(1, 1, 1, this::applyOnce)).isInstanceOf(SessionTable.Outcome.Expired.class);
        assertThat(applied).hasValue(2);
    }

    @Test
    void sessionsExpireByLogTimeNotByLocalClock() {
        SessionTable t = new SessionTable(10_000);
        t.advanceTime(1_000);
        t.open(1);
        t.advanceTime(5_000);
        assertThat(t.size()).isEqualTo(1);
        t.advanceTime(12_000);
        assertThat(t.size()).isZero();
        assertThat(t.apply(1, 1, 0, this::applyOnce)).isInstanceOf(SessionTable.Outcome.Expired.class);
        assertThat(applied).hasValue(0);
    }

    @Test
    void aLeaderWhoseClockIsBehindDoesNotTurnLogTimeBack() {
        SessionTable t = new SessionTable(10_000);
        t.advanceTime(50_000);
        t.open(1);
        t.advanceTime(1_000); // a new leader with a slow clock
        t.advanceTime(55_000);
        assertThat(t.size()).isEqualTo(1);
    }

    @Test
    void theEnvelopeRoundTripsAndTheLeaderStampsItsTime() {
        byte[] encoded = CommandEnvelope.session(3, 4, 2, new byte[] {9, 8}).encode();
        CommandEnvelope decoded = CommandEnvelope.decode(CommandEnvelope.stamp(encoded, 123_456));
        assertThat(decoded.kind()).isEqualTo(CommandEnvelope.Kind.SESSION);
        assertThat(decoded.timeMillis()).isEqualTo(123_456);
        assertThat(decoded.sessionId()).isEqualTo(3);
        assertThat(decoded.seq()).isEqualTo(4);
        assertThat(decoded.ackedThrough()).isEqualTo(2);
        assertThat(decoded.command()).containsExactly(9, 8);
        assertThat(CommandEnvelope.decode(CommandEnvelope.plain(new byte[] {1}).encode()).command()).containsExactly(1);
    }
}
