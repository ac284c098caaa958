package io.keelraft.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class KvCodecTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void operationsRoundTripToTheSameBytes() {
        List<KvOp> ops = List.of(new KvOp(Op.SET, b("k"), b("v")), new KvOp(Op.MGET, b("a"), b(""), b("c")),
                new KvOp(Op.DBSIZE));
        byte[] encoded = KvCodec.encodeOps(ops);
        assertThat(KvCodec.decodeOps(encoded)).isEqualTo(ops);
        assertThat(KvCodec.encodeOps(KvCodec.decodeOps(encoded))).isEqualTo(encoded);
    }

    @Test
    void repliesRoundTrip() {
        List<Reply> replies = List.of(Reply.OK, Reply.NIL, new Reply.Int(-7), Reply.bulk("v"),
                Reply.error("ERR x"), new Reply.Multi(List.of(Reply.NIL, new Reply.Multi(List.of()))));
        assertThat(KvCodec.decodeReplies(KvCodec.encodeReplies(replies))).isEqualTo(replies);
    }

    @Test
    void truncatedOrLyingInputIsRefusedWithoutAllocatingWhatItClaims() {
        byte[] encoded = KvCodec.encodeOps(List.of(new KvOp(Op.SET, b("key"), b("value"))));
        for (int n = 0; n < encoded.length; n++) {
            byte[] cut = Arrays.copyOf(encoded, n);
            assertThatThrownBy(() -> KvCodec.decodeOps(cut)).isInstanceOf(IllegalArgumentException.class);
        }
        byte[] hugeCount = ByteBuffer.allocate(5).put(KvCodec.VERSION).putInt(Integer.MAX_VALUE).array();
        assertThatThrownBy(() -> KvCodec.decodeOps(hugeCount)).isInstanceOf(IllegalArgumentException.class);
        byte[] hugeArg = ByteBuffer.allocate(14).put(KvCodec.VERSION).putInt(1).put((byte) 20).putInt(1)
                .putInt(Integer.MAX_VALUE).array();
        assertThatThrownBy(() -> KvCodec.decodeOps(hugeArg)).isInstanceOf(IllegalArgumentException.class);
        byte[] unknownOp = ByteBuffer.allocate(10).put(KvCodec.VERSION).putInt(1).put((byte) 99).putInt(0).array();
        assertThatThrownBy(() -> KvCodec.decodeOps(unknownOp)).hasMessageContaining("unknown operation");
        assertThatThrownBy(() -> KvCodec.decodeReplies(new byte[] {0, 0, 0, 1, 9}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
