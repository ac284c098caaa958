package io.keelraft.bench.transport;

import io.keelraft.core.protocol.EntryType;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.protocol.Message;
import io.keelraft.transport.netty.wire.direct.AppendEntriesCodec;
import io.netty.channel.epoll.Epoll;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Throughput of AppendEntries (64 entries × 128 bytes) between two NettyTransports on loopback, against a
 * baseline in the same run that sends the same frame bytes over a plain Netty pipeline with no Raft encoding.
 *
 * <p>Both links are driven the same way: one sender thread keeps at most {@code --window} messages in flight
 * (sent but not yet received), so neither side buffers without bound and no message is dropped. After a
 * warm-up of each, rounds alternate between the two links, so that a busy machine slows both alike; the summary
 * compares medians. CPU per message is the whole JVM's CPU time (both ends, GC, JIT) over messages received.
 *
 * <pre>
 * java -cp ... io.keelraft.bench.transport.TransportThroughput [--seconds 3] [--warmup 5] [--rounds 7]
 *      [--window 256] [--io-threads 1] [--entries 64] [--entry-bytes 128]
 * </pre>
 */
public final class TransportThroughput {

    private record Result(String link, double messagesPerSecond, double megabytesPerSecond,
                          double cpuMicrosPerMessage, long dropped) {
    }

    private TransportThroughput() {
    }

    public static void main(String[] args) {
        int seconds = intArg(args, "--seconds", 3);
        int warmup = intArg(args, "--warmup", 5);
        int rounds = intArg(args, "--rounds", 7);
        int window = intArg(args, "--window", 256);
        int ioThreads = intArg(args, "--io-threads", 1);
        int entries = intArg(args, "--entries", 64);
        int entryBytes = intArg(args, "--entry-bytes", 128);

        Message.AppendEntries message = appendEntries(entries, entryBytes);
        byte[] frame = frameBytes(message);
        Supplier<Link> baselineLink = () -> new PlainNettyLink(frame, ioThreads);
        Supplier<Link> keelLink = () -> new KeelTransportLink(message, frame.length, ioThreads);
        System.out.printf(Locale.ROOT, "AppendEntries of %d entries x %d B: %d B per frame (length prefix included)"
                        + "; window %d messages; %d I/O thread(s) per side; %s; warm-up %d s per link, then %d"
                        + " alternating round(s) of %d s; %d CPU(s), Java %s%n",
                entries, entryBytes, frame.length, window, ioThreads, Epoll.isAvailable() ? "epoll" : "NIO", warmup,
                rounds, seconds, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        run(baselineLink, warmup, window);
        run(keelLink, warmup, window);

        System.out.printf(Locale.ROOT, "%-6s %-24s %12s %10s %14s %8s%n", "round", "link", "messages/s", "MB/s",
                "CPU us/msg", "dropped");
        List<Result> baseline = new ArrayList<>();
        List<Result> keel = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            baseline.add(print(round, run(baselineLink, seconds, window)));
            keel.add(print(round, run(keelLink, seconds, window)));
        }
        double base = median(baseline, Result::megabytesPerSecond);
        double ours = median(keel, Result::megabytesPerSecond);
        System.out.printf(Locale.ROOT, "median MB/s: baseline %.1f, keel %.1f; keel/baseline = %.0f%%%n", base, ours,
                100 * ours / base);
        System.out.printf(Locale.ROOT, "median CPU per message (whole JVM, both ends): baseline %.1f us, keel %.1f us%n",
                median(baseline, Result::cpuMicrosPerMessage), median(keel, Result::cpuMicrosPerMessage));
    }

    private static Result run(Supplier<Link> links, int seconds, int window) {
        try (Link link = links.get()) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!link.ready()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(link.name() + " did not connect within 10 s");
                }
                LockSupport.parkNanos(1_000_000);
            }
            long[] sent = {0};
            drive(link, sent, 500_000_000L, window); // settle: connections up, buffers sized
            long before = link.received();
            long cpuBefore = processCpuNanos();
            long start = System.nanoTime();
            drive(link, sent, seconds * 1_000_000_000L, window);
            long got = link.received() - before;
            double elapsed = (System.nanoTime() - start) / 1e9;
            double cpuMicros = (processCpuNanos() - cpuBefore) / 1e3 / Math.max(1, got);
            return new Result(link.name(), got / elapsed, got * (double) link.frameBytes() / elapsed / 1e6, cpuMicros,
                    link.dropped());
        }
    }

    private static void drive(Link link, long[] sent, long nanos, int window) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            if (sent[0] - link.received() - link.dropped() < window) {
                link.send();
                sent[0]++;
            } else {
                LockSupport.parkNanos(10_000);
            }
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static Result print(int round, Result r) {
        System.out.printf(Locale.ROOT, "%-6d %-24s %12.0f %10.1f %14.1f %8d%n", round, r.link(), r.messagesPerSecond(),
                r.megabytesPerSecond(), r.cpuMicrosPerMessage(), r.dropped());
        return r;
    }

    private static double median(List<Result> results, ToDoubleFunction<Result> value) {
        double[] v = results.stream().mapToDouble(value).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static Message.AppendEntries appendEntries(int entries, int entryBytes) {
        List<LogEntry> list = new ArrayList<>(entries);
        for (int i = 0; i < entries; i++) {
            byte[] payload = new byte[entryBytes];
            Arrays.fill(payload, (byte) i);
            list.add(new LogEntry(1_000_001 + i, 7, EntryType.COMMAND, payload));
        }
        return new Message.AppendEntries(7, "a", "b", 1_000_000, 7, list, 999_000, 42);
    }

    /** The bytes the transport puts on the wire for {@code m}: its protobuf Frame behind a 4-byte length. */
    private static byte[] frameBytes(Message.AppendEntries m) {
        AppendEntriesCodec.Measured measured = AppendEntriesCodec.measure(m);
        byte[] frame = new byte[4 + measured.frameSize()];
        ByteBuffer.wrap(frame).putInt(measured.frameSize());
        AppendEntriesCodec.writeFrame(measured, frame, 4);
        return frame;
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
