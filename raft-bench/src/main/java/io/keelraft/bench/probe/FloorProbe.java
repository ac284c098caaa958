package io.keelraft.bench.probe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The physical floor of one replicated write on this machine: one fsync (the leader's and followers' run in
 * parallel) plus two loopback round trips (client to leader, leader to follower). Measures each and prints
 * them, so benchmark results can be read against what the hardware allows.
 *
 * <pre>java -cp raft-bench/target/benchmarks.jar io.keelraft.bench.probe.FloorProbe [directory]</pre>
 */
public final class FloorProbe {

    private static final int SAMPLES = 2_000;

    private FloorProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir"));
        long[] fsync = fsyncNanos(dir);
        long[] rtt = roundTripNanos();
        double fsyncP50 = percentile(fsync, 50) / 1e6;
        double rttP50 = percentile(rtt, 50) / 1e6;
        System.out.printf("nproc %d, max heap %d MiB, directory %s%n", Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, dir);
        System.out.printf("fsync of a 4 KiB append: p50 %.3f ms, p99 %.3f ms%n", fsyncP50,
                percentile(fsync, 99) / 1e6);
        System.out.printf("loopback TCP round trip (64 B): p50 %.3f ms, p99 %.3f ms%n", rttP50,
                percentile(rtt, 99) / 1e6);
        System.out.printf("floor of one replicated write (fsync + 2 round trips): %.3f ms%n", fsyncP50 + 2 * rttP50);
    }

    private static long[] fsyncNanos(Path dir) throws IOException {
        Path file = Files.createTempFile(dir, "keel-probe", ".bin");
        long[] out = new long[SAMPLES];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer block = ByteBuffer.allocate(4096);
            long position = 0;
            for (int i = 0; i < SAMPLES; i++) {
                block.clear();
                long start = System.nanoTime();
                ch.write(block, position);
                ch.force(false);
                out[i] = System.nanoTime() - start;
                position += 4096;
            }
        } finally {
            Files.deleteIfExists(file);
        }
        return out;
    }

    private static long[] roundTripNanos() throws Exception {
        long[] out = new long[SAMPLES];
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread echo = new Thread(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream();
                     OutputStream o = s.getOutputStream()) {
                    s.setTcpNoDelay(true);
                    byte[] buf = new byte[64];
                    while (in.readNBytes(buf, 0, 64) == 64) {
                        o.write(buf);
                        o.flush();
                    }
                } catch (IOException ignored) {
                    // the client closed: done
                }
            }, "keel-probe-echo");
            echo.start();
            try (Socket c = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                c.setTcpNoDelay(true);
                byte[] buf = new byte[64];
                InputStream in = c.getInputStream();
                OutputStream o = c.getOutputStream();
                for (int i = 0; i < SAMPLES; i++) {
                    long start = System.nanoTime();
                    o.write(buf);
                    o.flush();
                    in.readNBytes(buf, 0, 64);
                    out[i] = System.nanoTime() - start;
                }
            }
            echo.join();
        }
        return out;
    }

    private static double percentile(long[] values, double p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.round(p / 100 * (sorted.length - 1)))];
    }
}
