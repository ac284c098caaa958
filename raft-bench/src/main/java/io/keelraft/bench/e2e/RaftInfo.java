package io.keelraft.bench.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Talks to a KV server over a plain socket: {@code RAFT.INFO} to find the leader, other commands for the bench. */
final class RaftInfo {

    private RaftInfo() {
    }

    /** The RESP address of the leader {@code address}'s server knows of, or null when it knows none. */
    static String leaderRespAddress(String address, Map<String, String> respById) throws IOException {
        int colon = address.lastIndexOf(':');
        try (Socket s = new Socket(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("*1\r\n$9\r\nRAFT.INFO\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = readReply(s.getInputStream());
            for (String line : reply.split("\r?\n")) {
                if (line.startsWith("leader:")) {
                    String leader = line.substring("leader:".length()).trim();
                    return leader.isEmpty() ? null : respById.get(leader);
                }
            }
            return null;
        }
    }

    /** Sends one command (as a RESP array of bulk strings) to {@code address} and returns its reply as text. */
    static String call(String address, String... argv) throws IOException {
        int colon = address.lastIndexOf(':');
        try (Socket s = new Socket(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))) {
            s.setSoTimeout(60_000);
            StringBuilder command = new StringBuilder("*").append(argv.length).append("\r\n");
            for (String arg : argv) {
                command.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg)
                        .append("\r\n");
            }
            OutputStream out = s.getOutputStream();
            out.write(command.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            return readReply(s.getInputStream());
        }
    }

    /** Reads one RESP reply: a bulk string, a simple string, or an array of them, as text. */
    private static String readReply(InputStream in) throws IOException {
        String header = readLine(in);
        switch (header.charAt(0)) {
            case '$' -> {
                int length = Integer.parseInt(header.substring(1));
                if (length < 0) {
                    return "";
                }
                String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                readLine(in);
                return body;
            }
            case '*' -> {
                int count = Integer.parseInt(header.substring(1));
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < count; i++) {
                    b.append(readReply(in)).append('\n');
                }
                return b.toString();
            }
            default -> {
                return header.substring(1);
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        if (c == -1 && b.isEmpty()) {
            throw new IOException("connection closed before a reply");
        }
        return b.toString();
    }
}
