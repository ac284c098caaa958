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

    static PeerAddress loopback() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return new PeerAddress("127.0.0.1", socket.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
