package io.keelraft.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keelraft.core.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Snapshots of the KV state machine: O(1) capture, a background write of exactly the captured state. */
class KvSnapshotTest {

    private final KvStateMachine sm = new KvStateMachine();
    /** What the state machine should hold, kept alongside. */
    private final Map<String, String> model = new HashMap<>();
    private long index;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private void set(String key, String value) {
        sm.apply(++index, KvCodec.encodeOps(List.of(new KvOp(Op.SET, b(key), b(value)))));
        model.put(key, value);
    }

    private void del(String key) {
        sm.apply(++index, KvCodec.encodeOps(List.of(new KvOp(Op.DEL, b(key)))));
        model.remove(key);
    }

    /** The keys and values in a snapshot's bytes (restored into a fresh state machine and read back). */
    static Map<String, String> contents(byte[] snapshot) throws IOException {
        Map<String, String> out = new HashMap<>();
        KvSnapshotFormat.read(new ByteArrayInputStream(snapshot)).capture().forEach((k, v) ->
                out.put(k, new String(v, StandardCharsets.ISO_8859_1)));
        return out;
    }

    /** Writes then closes the snapshot, as the runtime does. */
    private static byte[] write(StateMachine.Snapshot snapshot) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (snapshot) {
            snapshot.writeTo(out);
        }
        return out.toByteArray();
    }

    /** Overwrites, deletes, re-adds and new keys, several times over the same keys. */
    private void churn(SplittableRandom random, int operations, int keys) {
        for (int i = 0; i < operations; i++) {
            String key = "k" + random.nextInt(keys);
            if (random.nextInt(4) == 0) {
                del(key);
            } else {
                set(key, "v" + i + "-" + random.nextInt());
            }
        }
    }

    @Test
    void aSnapshotHoldsExactlyTheStateAtCaptureWhateverIsAppliedBeforeItIsWritten() throws IOException {
        SplittableRandom random = new SplittableRandom(1);
        churn(random, 20_000, 5_000);
        Map<String, String> atCapture = new HashMap<>(model);
        StateMachine.Snapshot snapshot = sm.snapshot();
        churn(random, 20_000, 6_000); // 1,000 keys the capture never saw
        assertThat(contents(write(snapshot))).isEqualTo(atCapture);
        assertThat(contents(write(sm.snapshot()))).isEqualTo(model);
        assertThat(sm.historyNodes()).as("history dropped once no snapshot is open").isZero();
    }

    @Test
    void aSnapshotWrittenOnAnotherThreadWhileApplyingSeesTheStateAtCapture() throws Exception {
        SplittableRandom random = new SplittableRandom(2);
        churn(random, 50_000, 20_000);
        Map<String, String> atCapture = new HashMap<>(model);
        StateMachine.Snapshot snapshot = sm.snapshot();
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch applied = new CountDownLatch(1);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // The writer stops after its first buffer until the apply thread has changed much of the map.
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
                bytes.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                bytes.write(b, off, len);
                if (writing.getCount() > 0) {
                    writing.countDown();
                    try {
                        applied.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
            }
        };
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (snapshot) {
                snapshot.writeTo(out);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(writing.await(30, TimeUnit.SECONDS)).isTrue();
        churn(random, 25_000, 25_000);
        applied.countDown();
        churn(random, 25_000, 25_000); // and more while the writer runs on
        writer.get(30, TimeUnit.SECONDS);
        assertThat(contents(bytes.toByteArray())).isEqualTo(atCapture);
        assertThat(sm.historyNodes()).isZero();
    }

    @Test
    void anAbandonedSnapshotReleasesWhatItHeld() throws IOException {
        SplittableRandom random = new SplittableRandom(5);
        churn(random, 5_000, 1_000);
        StateMachine.Snapshot abandoned = sm.snapshot();
        churn(random, 5_000, 1_000);
        assertThat(sm.historyNodes()).as("history kept for the open snapshot").isPositive();
        abandoned.close(); // never written: a newer snapshot overtook it, or the disk failed
        churn(random, 10, 1_000);
        assertThat(sm.historyNodes()).as("history dropped once the snapshot is closed").isZero();
    }

    @Test
    void overlappingSnapshotsEachSeeTheirOwnCapture() throws IOException {
        SplittableRandom random = new SplittableRandom(3);
        churn(random, 5_000, 1_000);
        Map<String, String> first = new HashMap<>(model);
        StateMachine.Snapshot one = sm.snapshot();
        churn(random, 5_000, 1_000);
        Map<String, String> second = new HashMap<>(model);
        StateMachine.Snapshot two = sm.snapshot();
        churn(random, 5_000, 1_000);
        assertThat(contents(write(two))).isEqualTo(second);
        churn(random, 5_000, 1_000);
        assertThat(contents(write(one))).isEqualTo(first);
        assertThat(sm.historyNodes()).isZero();
    }

    @Test
    void manyKeysRoundTrip() throws IOException {
        SplittableRandom random = new SplittableRandom(4);
        for (int i = 0; i < 200_000; i++) {
            byte[] value = new byte[random.nextInt(300)];
            random.nextBytes(value);
            set("key:" + i + (char) (128 + i % 128), new String(value, StandardCharsets.ISO_8859_1));
        }
        set("", ""); // an empty key and value
        byte[] bytes = write(sm.snapshot());
        KvStateMachine restored = new KvStateMachine();
        restored.restore(new ByteArrayInputStream(bytes));
        assertThat(restored.size()).isEqualTo(model.size());
        assertThat(contents(write(restored.snapshot()))).isEqualTo(model);
    }

    @Test
    void restoreReplacesTheWholeState() throws IOException {
        set("a", "1");
        set("b", "2");
        byte[] bytes = write(sm.snapshot());
        KvStateMachine other = new KvStateMachine();
        other.apply(1, KvCodec.encodeOps(List.of(new KvOp(Op.SET, b("a"), b("old")), new KvOp(Op.SET, b("c"),
                b("3")))));
        other.restore(new ByteArrayInputStream(bytes));
        assertThat(KvCodec.decodeReplies(other.query(KvCodec.encodeOps(List.of(new KvOp(Op.MGET, b("a"), b("b"),
                b("c")), new KvOp(Op.DBSIZE)))))).containsExactly(new Reply.Multi(List.of(Reply.bulk("1"),
                Reply.bulk("2"), Reply.NIL)), new Reply.Int(2));
        // Applies go on from the restored state.
        other.apply(2, KvCodec.encodeOps(List.of(new KvOp(Op.DEL, b("a")))));
        assertThat(contents(write(other.snapshot()))).isEqualTo(Map.of("b", "2"));
    }

    @Test
    void aDamagedSnapshotIsRefusedAndTheStateKept() throws IOException {
        set("a", "1");
        set("b", "2");
        byte[] bytes = write(sm.snapshot());
        KvStateMachine other = new KvStateMachine();
        other.apply(1, KvCodec.encodeOps(List.of(new KvOp(Op.SET, b("x"), b("kept")))));
        List<byte[]> damaged = new ArrayList<>();
        damaged.add(Arrays.copyOf(bytes, bytes.length - 3)); // cut short
        damaged.add(Arrays.copyOf(bytes, bytes.length + 1)); // trailing byte
        byte[] badMagic = bytes.clone();
        badMagic[0] ^= 1;
        damaged.add(badMagic);
        for (byte[] d : damaged) {
            assertThatThrownBy(() -> other.restore(new ByteArrayInputStream(d))).isInstanceOf(IOException.class);
        }
        assertThat(contents(write(other.snapshot()))).isEqualTo(Map.of("x", "kept"));
    }
}
