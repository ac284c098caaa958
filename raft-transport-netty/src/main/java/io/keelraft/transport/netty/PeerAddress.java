package io.keelraft.transport.netty;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where a server listens: a host name or IP literal and a port. Host names are resolved at each connection
 * attempt, off the event loops, so a peer whose DNS record changes or appears late is still found.
 *
 * @param host a host name or IP literal (IPv6 without brackets)
 * @param port 0..65535; 0 only for this server's own listen address (the system picks a free port)
 */
public record PeerAddress(String host, int port) {

    public PeerAddress {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be in 0..65535, was " + port);
        }
    }

    /** Parses {@code host:port} or {@code [ipv6]:port}. */
    public static PeerAddress parse(String hostAndPort) {
        Objects.requireNonNull(hostAndPort, "hostAndPort");
        int colon = hostAndPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostAndPort.length() - 1) {
            throw new IllegalArgumentException("expected host:port, got '" + hostAndPort + "'");
        }
        String host = hostAndPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("IPv6 addresses need brackets: '[" + host + "]:port', got '"
                    + hostAndPort + "'");
        }
        int port;
        try {
            port = Integer.parseInt(hostAndPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port is not a number in '" + hostAndPort + "'");
        }
        return new PeerAddress(host, port);
    }

    /** Resolves the host; may block on DNS, so never call it on an event loop. */
    InetSocketAddress resolve() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
