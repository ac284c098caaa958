package io.keelraft.transport.netty;

import io.keelraft.transport.netty.wire.Frame;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/** A hand-driven peer on a plain java.net.Socket: sends whatever bytes a test wants, reads frames back. */
final class RawPeer implements AutoCloseable {

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawPeer(Socket socket) {
        try {
            this.socket = socket;
            socket.setSoTimeout(10_000);
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RawPeer connect(InetSocketAddress address) {
        try {
            return new RawPeer(new Socket(address.getAddress(), address.getPort()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the other side's handshake, then sends ours. */
    Frame handshake(String clusterId, String nodeId) {
        Frame theirs = readFrame();
        sendFrame(WireCodec.handshake(clusterId, nodeId, HandshakeHandler.PROTOCOL_VERSION));
        return theirs;
    }

    void sendFrame(Frame frame) {
        send(frameBytes(frame));
    }

    static byte[] frameBytes(Frame frame) {
        byte[] body = frame.toByteArray();
        return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
    }

    void send(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Frame readFrame() {
        try {
            byte[] body = new byte[in.readInt()];
            in.readFully(body);
            return Frame.parseFrom(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Half-closes: the other side sees the end of the stream. */
    void shutdownOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when the other side closes the connection (within the socket timeout), skipping what it sends. */
    boolean closedByOtherSide() {
        byte[] sink = new byte[8192];
        try {
            while (true) {
                if (in.read(sink) < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (EOFException | SocketException e) {
            return true; // reset by the other side
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Socket socket() {
        return socket;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
