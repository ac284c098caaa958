package io.keelraft.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of one server that cuts its first connections after a given number of bytes from the
 * client — in the middle of a batch of requests, often in the middle of a frame — and passes later ones through.
 */
final class CuttingProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final int targetPort;
    private final List<Integer> cutAfterBytes;
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    final AtomicInteger cuts = new AtomicInteger();

    CuttingProxy(int targetPort, List<Integer> cutAfterBytes) throws IOException {
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.targetPort = targetPort;
        this.cutAfterBytes = cutAfterBytes;
        Thread t = new Thread(this::acceptLoop, "cutting-proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    String address() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(client);
                sockets.add(server);
                int n = accepted.getAndIncrement();
                long limit = n < cutAfterBytes.size() ? cutAfterBytes.get(n) : Long.MAX_VALUE;
                pipe(client, server, limit, "up-" + n);
                pipe(server, client, Long.MAX_VALUE, "down-" + n);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pipe(Socket from, Socket to, long limit, String name) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[4096];
            long passed = 0;
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int r;
                while ((r = in.read(buf)) > 0) {
                    int n = (int) Math.min(r, limit - passed);
                    out.write(buf, 0, n);
                    passed += n;
                    if (passed >= limit) {
                        cuts.incrementAndGet();
                        break;
                    }
                }
            } catch (IOException e) {
                // the other direction closed it
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "cutting-proxy-" + name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        sockets.forEach(CuttingProxy::closeQuietly);
    }
}
