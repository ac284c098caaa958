package io.keelraft.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Exactly-once semantics of client sessions (thesis §6.3). */
class SessionTableTest {

    private static final byte[] COMMAND = "INCR x".getBytes(StandardCharsets.UTF_8);

    private final AtomicInteger applied = new AtomicInteger();

    private byte[] applyOnce() {
        return ("r" + applied.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aRetriedSequenceNumberReturnsTheCachedResultWithoutApplyingAgain() {
        SessionTable t = new SessionTable(60_000);
        t.advanceTime(1_000);
        t.open(7);
        SessionTable.Outcome first = t.apply(7, 1, 0, COMMAND, this::applyOnce);
        SessionTable.Outcome retry = t.apply(7, 1, 0, COMMAND, this::applyOnce);
        assertThat(applied).hasValue(1);
        assertThat(((SessionTable.Outcome.Result) retry).duplicate()).isTrue();
        assertThat(((SessionTable.Outcome.Result) retry).value())
                .isEqualTo(((SessionTable.Outcome.Result) first).value());
    }

    @Test
    void aSequenceNumberReusedForADifferentCommandIsRefusedNotAnsweredWithAnotherResult() {
        SessionTable t = new SessionTable(60_000);
        t.open(7);
        t.apply(7, 1, 0, COMMAND, this::applyOnce);
        SessionTable.Outcome reused = t.apply(7, 1, 0, "DEL x".getBytes(StandardCharsets.UTF_8), this::applyOnce);
        assertThat(applied).hasValue(1);
        assertThat(reused).isInstanceOf(SessionTable.Outcome.Reused.class);
        assertThat(((SessionTable.Outcome.Reused) reused).reason())
                .contains("session 7 already used sequence 1 for a different command");
    }

    @Test
    void acknowledgedResponsesAreForgottenAndTheirRetriesRefused() {
        SessionTable t = new SessionTable(60_000);
        t.open(1);
        t.apply(1, 1, 0, COMMAND, this::applyOnce);
        t.apply(1, 2, 1, COMMAND, this::applyOnce); // the client has seen seq 1's answer
        // Applied once already: never reported as "not applied" (it is not an expired session).
        assertThat(t.apply(1, 1, 1, COMMAND, this::applyOnce)).isInstanceOf(SessionTable.Outcome.ResponseGone.class);
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
        assertThat(t.apply(1, 1, 0, COMMAND, this::applyOnce)).isInstanceOf(SessionTable.Outcome.Expired.class);
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

    @Test
    void anOrderedSessionAppliesEachSequenceNumberOnlyRightAfterThePreviousOne() {
        SessionTable t = new SessionTable(60_000);
        t.open(7);
        assertThat(t.apply(7, 2, 0, COMMAND, true, this::applyOnce)).isInstanceOf(SessionTable.Outcome.OutOfOrder.class);
        assertThat(applied).hasValue(0);
        assertThat(t.apply(7, 1, 0, COMMAND, true, this::applyOnce)).isInstanceOf(SessionTable.Outcome.Result.class);
        assertThat(t.apply(7, 2, 0, COMMAND, true, this::applyOnce)).isInstanceOf(SessionTable.Outcome.Result.class);
        assertThat(applied).hasValue(2);
        // A retry of an applied one is answered from the cache; a gap is refused, and so is a number left behind.
        assertThat(((SessionTable.Outcome.Result) t.apply(7, 1, 0, COMMAND, true, this::applyOnce)).duplicate())
                .isTrue();
        SessionTable.Outcome gap = t.apply(7, 4, 0, COMMAND, true, this::applyOnce);
        assertThat(((SessionTable.Outcome.OutOfOrder) gap).reason()).contains("sequence 4 arrived before sequence 3");
        assertThat(t.apply(7, 3, 2, COMMAND, true, this::applyOnce)).isInstanceOf(SessionTable.Outcome.Result.class);
        assertThat(t.apply(7, 4, 3, COMMAND, true, this::applyOnce)).isInstanceOf(SessionTable.Outcome.Result.class);
        assertThat(applied).hasValue(4);
        // Acknowledged responses are forgotten, yet the order continues after them.
        assertThat(t.apply(7, 6, 4, COMMAND, true, this::applyOnce)).isInstanceOf(SessionTable.Outcome.OutOfOrder.class);
        assertThat(t.apply(7, 5, 4, COMMAND, true, this::applyOnce)).isInstanceOf(SessionTable.Outcome.Result.class);
        // An unordered session (the in-process ClientSession) still takes any order.
        t.open(8);
        assertThat(t.apply(8, 5, 0, COMMAND, this::applyOnce)).isInstanceOf(SessionTable.Outcome.Result.class);
        assertThat(t.apply(8, 3, 0, COMMAND, this::applyOnce)).isInstanceOf(SessionTable.Outcome.Result.class);
    }
}
