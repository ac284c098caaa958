package io.keelraft.transport.netty.wire.direct;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Bytes for the direct codecs' tests: random ones, mutations of frames, buffers drained. */
public final class TestBytes {

    /** Edges of uint64: zero (left out), one byte, two, the largest long, and the top half (negative in Java). */
    public static final long[] NUMBERS = {0, 1, 127, 128, 300, 1L << 35, Long.MAX_VALUE, -1, Long.MIN_VALUE};

    private TestBytes() {
    }

    public static byte[] randomBytes(SplittableRandom random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    public static long anyNumber(SplittableRandom random) {
        return NUMBERS[random.nextInt(NUMBERS.length)];
    }

    /** One of: a bit flipped, a byte overwritten, cut short, a byte inserted, a tail again, or none. */
    public static byte[] mutate(SplittableRandom r, byte[] frame) {
        byte[] b = frame.clone();
        switch (r.nextInt(6)) {
            case 0 -> b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            case 1 -> b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            case 2 -> b = Arrays.copyOf(b, r.nextInt(b.length));
            case 3 -> {
                int at = r.nextInt(b.length + 1);
                byte[] grown = new byte[b.length + 1];
                System.arraycopy(b, 0, grown, 0, at);
                grown[at] = (byte) r.nextInt(256);
                System.arraycopy(b, at, grown, at + 1, b.length - at);
                b = grown;
            }
            case 4 -> b = concat(b, Arrays.copyOfRange(b, r.nextInt(b.length), b.length));
            default -> { // the frame as written
            }
        }
        return b;
    }

    public static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** The buffer's readable bytes; the buffer is released. */
    public static byte[] drain(ByteBuf buf) {
        try {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            return bytes;
        } finally {
            buf.release();
        }
    }
}
