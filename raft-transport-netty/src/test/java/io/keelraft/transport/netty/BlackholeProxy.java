package io.keelraft.transport.netty;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy in front of one server that can turn into a blackhole: while {@link #blackhole(boolean) on}, every
 * byte through it — on connections open at that moment or opened during it — is read and thrown away, and the
 * connections stay open, as they do when a network drops packets silently. Those connections stay dead for good
 * (TCP would resume after its next retransmission, possibly minutes later); connections opened after the blackhole
 * ends work. So traffic resumes after a heal only if the client notices and dials again.
 */
final class BlackholeProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean blackhole;
    /** Bumped by each blackhole: connections from an earlier generation discard everything. */
    private volatile int generation;

    BlackholeProxy(PeerAddress target) throws IOException {
        this.target = new InetSocketAddress(target.host(), target.port());
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "blackhole-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Where clients connect. */
    PeerAddress address() {
        return new PeerAddress(server.getInetAddress().getHostAddress(), server.getLocalPort());
    }

    /** Starts (true) or ends (false) the blackhole. Connections open while it starts never carry a byte again. */
    void blackhole(boolean on) {
        if (on) {
            generation++;
        }
        blackhole = on;
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            try {
                Socket upstream = new Socket();
                upstream.connect(target, 2000);
                sockets.add(client);
                sockets.add(upstream);
                int born = blackhole ? -1 : generation;
                pump(client, upstream, born);
                pump(upstream, client, born);
            } catch (IOException e) {
                closeQuietly(client); // the target is down (not started yet): the client sees its connection end
            }
        }
    }

    private void pump(Socket from, Socket to, int born) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (born == generation && !blackhole) {
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // one side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "blackhole-pump");
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
        server.close();
        sockets.forEach(BlackholeProxy::closeQuietly);
    }
}
