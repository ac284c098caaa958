package io.keelraft.transport.netty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Ports for tests in which servers must know each other's address before any of them listens: the system
 * picks a free port (no fixed ports), and the test hands it to the transport that will listen on it.
 */
final class FreePorts {

    private FreePorts() {
    }

    /**
     * A loopback port free now and outside the kernel's ephemeral range (32768 and up on Linux), so that no
     * outbound connection of another transport can take it before the transport that owns it binds.
     */
    static PeerAddress loopback() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = random.nextInt(15_000, 32_000);
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress("127.0.0.1", port));
                return new PeerAddress("127.0.0.1", socket.getLocalPort());
            } catch (IOException taken) {
                // try another
            }
        }
        throw new UncheckedIOException(new IOException("no free loopback port found in [15000, 32000)"));
    }
}
