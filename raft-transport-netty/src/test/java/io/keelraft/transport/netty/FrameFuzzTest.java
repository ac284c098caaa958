package io.keelraft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.keelraft.core.protocol.Message;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.transport.netty.wire.Frame;
import io.keelraft.transport.netty.wire.InstallSnapshot;
import io.keelraft.transport.netty.wire.TimeoutNow;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ResourceLeakDetector;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Feeds random and mutated frames to a connection's real inbound pipeline (in an {@link EmbeddedChannel}): no
 * exception may escape it, every buffer it allocates must be released, and the bytes it holds at any moment must
 * stay bounded by the maximum frame size, whatever arrives.
 */
class FrameFuzzTest {

    private static final int INPUTS = 12_000;
    private static final int MAX_FRAME = 16 * 1024;
    private static final long SEED = Long.getLong("keel.fuzz.seed", 20_260_601L);

    private ResourceLeakDetector.Level leakLevel;

    @BeforeEach
    void paranoid() {
        leakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    @AfterEach
    void restore() {
        ResourceLeakDetector.setLevel(leakLevel);
    }

    @Test
    void randomAndMutatedFramesNeverEscapeLeakOrPileUp() {
        SplittableRandom random = new SplittableRandom(SEED);
        TrackingAllocator alloc = new TrackingAllocator();
        TransportCounters counters = new TransportCounters();
        RejectionLog rejections = RejectionLog.standard();
        RecordingReceiver receiver = new RecordingReceiver();
        receiver.forwards = (from, request) -> CompletableFuture.completedFuture(new ForwardResponse.ReadIndex(1));
        long peakLiveBytes = 0;
        int delivered = 0;

        for (int i = 0; i < INPUTS; i++) {
            byte[] input = (i % 4 == 0) ? randomBytes(random) : mutate(random, validFrames(random));
            boolean afterHandshake = random.nextInt(3) > 0;
            EmbeddedChannel channel = new EmbeddedChannel();
            channel.config().setAllocator(alloc);
            if (afterHandshake) {
                channel.attr(HandshakeHandler.PEER_ID).set("n2");
            }
            channel.pipeline().addLast(
                    new FrameDecoder(MAX_FRAME, "n1"),
                    new HandshakeHandler(new ClusterIdentity(LoopbackCluster.CLUSTER_ID), "n1", HandshakeHandler.Admission.of(Set.of("n2", "n3")), null,
                            Duration.ofSeconds(10), ch -> { }),
                    new InboundDispatcher(receiver, new PendingForwards(), counters, MAX_FRAME),
                    new ConnectionGuard(null, counters, rejections));

            // Arrives in random pieces, as TCP may deliver it.
            int offset = 0;
            String seedHint = "input " + i + " (seed " + SEED + ")";
            while (offset < input.length && channel.isOpen()) {
                int n = Math.min(input.length - offset, 1 + random.nextInt(Math.max(1, input.length / 2)));
                ByteBuf piece = alloc.buffer(n).writeBytes(input, offset, n);
                offset += n;
                channel.writeInbound(piece); // rethrows anything that reached the end of the pipeline
                peakLiveBytes = Math.max(peakLiveBytes, alloc.liveBytes());
            }
            channel.finishAndReleaseAll(); // end of stream: a partial frame is a truncated one
            channel.checkException();
            assertThat(alloc.leaked()).as("buffers still referenced after " + seedHint).isEmpty();
            alloc.forget();
            delivered = receiver.messages.size();
        }

        TransportMetrics m = counters.snapshot();
        assertThat(delivered).as("some inputs stay valid Raft messages").isPositive();
        assertThat(m.oversizedFrames()).isPositive();
        assertThat(m.malformedFrames()).isPositive();
        assertThat(m.truncatedFrames()).isPositive();
        assertThat(m.unknownMessageTypes()).isPositive();
        assertThat(m.handshakeFailures()).isPositive();
        // At most one frame being assembled plus the piece that just arrived, whatever the input.
        assertThat(peakLiveBytes).isLessThan(4L * MAX_FRAME);
    }

    /** One to three valid frames of any kind, back to back. */
    private static byte[] validFrames(SplittableRandom r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int frames = 1 + r.nextInt(3);
        for (int i = 0; i < frames; i++) {
            out.writeBytes(RawPeer.frameBytes(validFrame(r)));
        }
        return out.toByteArray();
    }

    private static Frame validFrame(SplittableRandom r) {
        switch (r.nextInt(8)) {
            case 0:
                return WireCodec.handshake(r.nextBoolean() ? LoopbackCluster.CLUSTER_ID : "other", "n" + r.nextInt(4),
                        r.nextInt(3));
            case 1: {
                if (r.nextBoolean()) {
                    return WireCodec.forwardRequest(r.nextLong(), SampleMessages.forwardRequests().get(r.nextInt(3)));
                }
                // A snapshot chunk: offsets and sizes near their edges, so that mutations cross them.
                byte[] data = new byte[r.nextInt(200)];
                r.nextBytes(data);
                long total = data.length + r.nextInt(3) * (long) r.nextInt(1000);
                return WireCodec.forwardRequest(r.nextLong(), SampleMessages.chunk(r.nextBoolean() ? "n2" : "n3",
                        total, total - data.length, data));
            }
            case 2: {
                List<ForwardResponse> responses = SampleMessages.forwardResponses();
                return WireCodec.forwardResponse(r.nextLong(), responses.get(r.nextInt(responses.size())));
            }
            case 3:
                return r.nextBoolean()
                        ? Frame.newBuilder().setTimeoutNow(TimeoutNow.newBuilder().setTerm(r.nextLong())).build()
                        : r.nextBoolean()
                        ? WireCodec.toFrame(new Message.InstallSnapshot(r.nextLong(1, 100), "n2", "n1",
                                SampleMessages.snapshot()))
                        : Frame.newBuilder().setInstallSnapshot(InstallSnapshot.newBuilder().setTerm(3)
                                .setLeaderId("n2").setData(ByteString.copyFrom(new byte[r.nextInt(100)]))).build();
            default:
                return WireCodec.toFrame(SampleMessages.random(r, "n2", "n1", 40));
        }
    }

    private static byte[] randomBytes(SplittableRandom r) {
        byte[] bytes = new byte[r.nextInt(3000)];
        r.nextBytes(bytes);
        if (bytes.length >= 4 && r.nextBoolean()) {
            // A plausible length prefix, so that the body, not just the prefix, gets exercised.
            int length = r.nextInt(bytes.length);
            bytes[0] = 0;
            bytes[1] = (byte) (length >>> 16);
            bytes[2] = (byte) (length >>> 8);
            bytes[3] = (byte) length;
        }
        return bytes;
    }

    private static byte[] mutate(SplittableRandom r, byte[] frames) {
        byte[] b = frames;
        int mutations = 1 + r.nextInt(3);
        for (int i = 0; i < mutations && b.length > 0; i++) {
            switch (r.nextInt(7)) {
                case 0: // flip a bit
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                    break;
                case 1: // overwrite a byte
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                    break;
                case 2: // cut short
                    b = Arrays.copyOf(b, r.nextInt(b.length));
                    break;
                case 3: { // insert junk
                    int at = r.nextInt(b.length + 1);
                    byte[] junk = new byte[1 + r.nextInt(16)];
                    r.nextBytes(junk);
                    byte[] grown = new byte[b.length + junk.length];
                    System.arraycopy(b, 0, grown, 0, at);
                    System.arraycopy(junk, 0, grown, at, junk.length);
                    System.arraycopy(b, at, grown, at + junk.length, b.length - at);
                    b = grown;
                    break;
                }
                case 4: { // delete a range
                    int from = r.nextInt(b.length);
                    int to = from + r.nextInt(b.length - from + 1);
                    byte[] shrunk = new byte[b.length - (to - from)];
                    System.arraycopy(b, 0, shrunk, 0, from);
                    System.arraycopy(b, to, shrunk, from, b.length - to);
                    b = shrunk;
                    break;
                }
                case 5: // a new length prefix: huge, zero, or off by a little
                    if (b.length >= 4) {
                        int length = r.nextInt(3) == 0 ? r.nextInt() : Math.max(0, b.length - 4 + r.nextInt(-8, 9));
                        b[0] = (byte) (length >>> 24);
                        b[1] = (byte) (length >>> 16);
                        b[2] = (byte) (length >>> 8);
                        b[3] = (byte) length;
                    }
                    break;
                default: // a duplicated tail
                    int from = r.nextInt(b.length);
                    byte[] longer = Arrays.copyOf(b, b.length + (b.length - from));
                    System.arraycopy(b, from, longer, b.length, b.length - from);
                    b = longer;
                    break;
            }
        }
        return b;
    }

    /** Heap buffers that remember themselves, so that the test can see which are still referenced. */
    private static final class TrackingAllocator extends AbstractByteBufAllocator {
        private final List<ByteBuf> allocated = new ArrayList<>();

        TrackingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf buf = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
            allocated.add(buf);
            return buf;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return newHeapBuffer(initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        long liveBytes() {
            return allocated.stream().filter(b -> b.refCnt() > 0).mapToLong(ByteBuf::capacity).sum();
        }

        List<ByteBuf> leaked() {
            return allocated.stream().filter(b -> b.refCnt() > 0).toList();
        }

        void forget() {
            allocated.clear();
        }
    }
}
