package io.keelraft.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keelraft.core.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The runtime's snapshot bytes: header, session table, state machine (thesis §5.1, §6.3). */
class SnapshotEnvelopeTest {

    private static final byte[] COMMAND = "INCR x".getBytes(StandardCharsets.UTF_8);

    /** A state machine whose whole state is one string. */
    private static final class Text implements StateMachine {
        String state = "";

        @Override
        public byte[] apply(long index, byte[] command) {
            return new byte[0];
        }

        @Override
        public byte[] query(byte[] query) {
            return new byte[0];
        }

        @Override
        public Snapshot snapshot() {
            byte[] bytes = state.getBytes(StandardCharsets.UTF_8);
            return out -> out.write(bytes);
        }

        @Override
        public void restore(InputStream in) throws IOException {
            state = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static byte[] bytes(SessionTable t) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        t.writeTo(out);
        out.flush();
        return b.toByteArray();
    }

    @Test
    void sessionsAndStateSurviveTheRoundTripAndRetriesStayDuplicates() throws IOException {
        SessionTable before = new SessionTable(60_000);
        before.advanceTime(1_000);
        before.open(7);
        AtomicInteger applied = new AtomicInteger();
        before.apply(7, 1, 0, COMMAND, () -> ("r" + applied.incrementAndGet()).getBytes(StandardCharsets.UTF_8));
        Text machine = new Text();
        machine.state = "hello";

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SnapshotEnvelope.write(out, bytes(before), machine.snapshot());

        SessionTable after = new SessionTable(60_000);
        Text restored = new Text();
        SnapshotEnvelope.restore(new ByteArrayInputStream(out.toByteArray()), after, restored);
        assertThat(restored.state).isEqualTo("hello");
        assertThat(bytes(after)).isEqualTo(bytes(before));
        SessionTable.Outcome retry = after.apply(7, 1, 0, COMMAND, () -> {
            throw new AssertionError("applied twice");
        });
        assertThat(((SessionTable.Outcome.Result) retry).duplicate()).isTrue();
        assertThat(((SessionTable.Outcome.Result) retry).value()).isEqualTo("r1".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aReplayedCommandWhoseResponseIsUnknownIsNotAnsweredWithAnInventedResult() {
        SessionTable t = new SessionTable(60_000);
        t.open(7);
        t.apply(7, 1, 0, COMMAND, () -> null); // replayed for a state machine that kept its own state
        SessionTable.Outcome retry = t.apply(7, 1, 0, COMMAND, () -> {
            throw new AssertionError("applied twice");
        });
        assertThat(retry).isInstanceOf(SessionTable.Outcome.ResponseGone.class);
        assertThat(((SessionTable.Outcome.ResponseGone) retry).reason()).contains("not kept");
    }

    @Test
    void somethingElseIsRefusedByName() {
        byte[] junk = "definitely not a snapshot".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> SnapshotEnvelope.restore(new ByteArrayInputStream(junk), new SessionTable(1_000),
                new Text())).isInstanceOf(IOException.class).hasMessageContaining("not a Keel snapshot");
        assertThatThrownBy(() -> new SessionTable(1).readFrom(new DataInputStream(new ByteArrayInputStream(
                new byte[] {0, 0, 0, 9})))).hasMessageContaining("session table format 9");
    }
}
