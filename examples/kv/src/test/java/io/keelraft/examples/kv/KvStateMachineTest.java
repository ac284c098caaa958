package io.keelraft.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class KvStateMachineTest {

    private final KvStateMachine sm = new KvStateMachine();
    private long index;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static KvOp op(Op op, String... args) {
        byte[][] a = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            a[i] = b(args[i]);
        }
        return new KvOp(op, a);
    }

    private static KvOp incrBy(String key, long delta) {
        return new KvOp(Op.INCRBY, b(key), ByteBuffer.allocate(8).putLong(delta).array());
    }

    private List<Reply> apply(KvOp... ops) {
        return KvCodec.decodeReplies(sm.apply(++index, KvCodec.encodeOps(List.of(ops))));
    }

    private List<Reply> query(KvOp... ops) {
        return KvCodec.decodeReplies(sm.query(KvCodec.encodeOps(List.of(ops))));
    }

    @Test
    void setGetDelExists() {
        assertThat(apply(op(Op.SET, "a", "1"), op(Op.SET, "b", "2"))).containsExactly(Reply.OK, Reply.OK);
        assertThat(query(op(Op.GET, "a"), op(Op.GET, "zz"), op(Op.EXISTS, "a", "a", "zz"), op(Op.DBSIZE)))
                .containsExactly(Reply.bulk("1"), Reply.NIL, new Reply.Int(2), new Reply.Int(2));
        assertThat(apply(op(Op.DEL, "a", "zz"))).containsExactly(new Reply.Int(1));
        assertThat(query(op(Op.MGET, "a", "b"))).containsExactly(new Reply.Multi(List.of(Reply.NIL, Reply.bulk("2"))));
    }

    @Test
    void setNxAndXx() {
        assertThat(apply(op(Op.SET_XX, "k", "1"), op(Op.SET_NX, "k", "2"), op(Op.SET_NX, "k", "3"),
                op(Op.SET_XX, "k", "4"))).containsExactly(Reply.NIL, Reply.OK, Reply.NIL, Reply.OK);
        assertThat(query(op(Op.GET, "k"))).containsExactly(Reply.bulk("4"));
    }

    @Test
    void incrByCountsFromZeroAndRefusesNonIntegersAndOverflow() {
        assertThat(apply(incrBy("n", 1), incrBy("n", 41), incrBy("n", -50))).containsExactly(new Reply.Int(1),
                new Reply.Int(42), new Reply.Int(-8));
        apply(op(Op.SET, "s", "abc"), op(Op.SET, "max", Long.toString(Long.MAX_VALUE)), op(Op.SET, "z", "007"));
        assertThat(apply(incrBy("s", 1), incrBy("max", 1), incrBy("z", 1))).containsExactly(
                Reply.error(KvStateMachine.NOT_AN_INTEGER), Reply.error(KvStateMachine.OVERFLOW),
                Reply.error(KvStateMachine.NOT_AN_INTEGER));
        assertThat(query(op(Op.GET, "s"), op(Op.GET, "max"))).containsExactly(Reply.bulk("abc"),
                Reply.bulk(Long.toString(Long.MAX_VALUE)));
    }

    @Test
    void msetAndCas() {
        assertThat(apply(op(Op.MSET, "a", "1", "b", "2"))).containsExactly(Reply.OK);
        assertThat(apply(op(Op.CAS, "a", "1", "10"), op(Op.CAS, "a", "1", "20"), op(Op.CAS, "missing", "", "x")))
                .containsExactly(new Reply.Int(1), new Reply.Int(0), new Reply.Int(0));
        assertThat(query(op(Op.MGET, "a", "b", "missing"))).containsExactly(
                new Reply.Multi(List.of(Reply.bulk("10"), Reply.bulk("2"), Reply.NIL)));
    }

    @Test
    void aQueryCannotWrite() {
        assertThat(query(op(Op.SET, "a", "1")).get(0)).isInstanceOf(Reply.Error.class);
        assertThat(query(op(Op.EXISTS, "a"))).containsExactly(new Reply.Int(0));
    }

    @Test
    void malformedBatchesAreAnsweredNotThrown() {
        List<Reply> r = KvCodec.decodeReplies(sm.apply(1, new byte[] {1, 0, 0, 0, 9, 1}));
        assertThat(r).hasSize(1);
        assertThat(((Reply.Error) r.get(0)).message()).startsWith("ERR malformed batch");
        List<Reply> wrongArity = apply(new KvOp(Op.SET, b("only-key")));
        assertThat(wrongArity.get(0)).isInstanceOf(Reply.Error.class);
        assertThat(sm.size()).isZero();
    }

    @Test
    void snapshotRestoresTheSameState() throws Exception {
        KvStateMachine other = new KvStateMachine();
        KvOp[] ops = {op(Op.SET, "x", "1"), op(Op.MSET, "c", "3", "a", "1", "b", "2"), incrBy("x", 5),
            op(Op.DEL, "a")};
        apply(ops);
        other.apply(1, KvCodec.encodeOps(List.of(ops)));
        ByteArrayOutputStream one = new ByteArrayOutputStream();
        ByteArrayOutputStream two = new ByteArrayOutputStream();
        sm.snapshot().writeTo(one);
        other.snapshot().writeTo(two);
        // Key order follows the hash table, so replicas' bytes may differ; their content may not.
        assertThat(KvSnapshotTest.contents(one.toByteArray())).isEqualTo(KvSnapshotTest.contents(two.toByteArray()));

        KvStateMachine restored = new KvStateMachine();
        restored.apply(1, KvCodec.encodeOps(List.of(op(Op.SET, "gone", "soon"))));
        restored.restore(new ByteArrayInputStream(one.toByteArray()));
        assertThat(KvCodec.decodeReplies(restored.query(KvCodec.encodeOps(List.of(op(Op.MGET, "x", "a", "b", "c",
                "gone")))))).containsExactly(new Reply.Multi(List.of(Reply.bulk("6"), Reply.NIL, Reply.bulk("2"),
                Reply.bulk("3"), Reply.NIL)));
    }

    @Test
    void parseLongAcceptsWhatRedisAccepts() {
        assertThat(KvStateMachine.parseLong(b("0"))).isZero();
        assertThat(KvStateMachine.parseLong(b("-12"))).isEqualTo(-12);
        assertThat(KvStateMachine.parseLong(b("9223372036854775807"))).isEqualTo(Long.MAX_VALUE);
        for (String bad : new String[] {"", "-", "+1", "01", " 1", "1 ", "1.0", "9223372036854775808", "-0"}) {
            assertThat(KvStateMachine.parseLong(b(bad))).as(bad).isNull();
        }
    }
}
