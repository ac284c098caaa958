package io.keelraft.testkit.memory;

import io.keelraft.core.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small key-value {@link StateMachine} for tests. Commands are UTF-8 text {@code "PUT key value"} (result:
 * the previous value) or {@code "APPEND key suffix"} (result: the new value); queries are {@code "GET key"}.
 * Counts applications so tests can prove a retried command applied once.
 */
public final class KeyValueStateMachine implements StateMachine {

    private final Map<String, String> data = new TreeMap<>();
    private final AtomicLong applies = new AtomicLong();
    private volatile long lastIndex;

    /** Encodes a PUT command. */
    public static byte[] put(String key, String value) {
        return ("PUT " + key + " " + value).getBytes(StandardCharsets.UTF_8);
    }

    /** Encodes an APPEND command. */
    public static byte[] append(String key, String suffix) {
        return ("APPEND " + key + " " + suffix).getBytes(StandardCharsets.UTF_8);
    }

    /** Encodes a GET query. */
    public static byte[] get(String key) {
        return ("GET " + key).getBytes(StandardCharsets.UTF_8);
    }

    /** Decodes a result. */
    public static String text(byte[] result) {
        return new String(result, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized byte[] apply(long index, byte[] command) {
        if (index <= lastIndex) {
            throw new IllegalStateException("entry " + index + " applied twice (last " + lastIndex + ")");
        }
        lastIndex = index;
        applies.incrementAndGet();
        String[] parts = text(command).split(" ", 3);
        if (parts.length < 3) {
            throw new IllegalArgumentException("malformed command: " + text(command));
        }
        String previous = data.getOrDefault(parts[1], "");
        switch (parts[0]) {
            case "PUT" -> data.put(parts[1], parts[2]);
            case "APPEND" -> data.put(parts[1], previous + parts[2]);
            default -> throw new IllegalArgumentException("unknown command " + parts[0]);
        }
        return (parts[0].equals("PUT") ? previous : data.get(parts[1])).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public synchronized byte[] query(byte[] query) {
        String[] parts = text(query).split(" ", 2);
        if (parts.length < 2 || !parts[0].equals("GET")) {
            throw new IllegalArgumentException("malformed query: " + text(query));
        }
        return data.getOrDefault(parts[1], "").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public synchronized Snapshot snapshot() {
        return snapshotOf(data);
    }

    @Override
    public synchronized void restore(InputStream in) throws IOException {
        restoreInto(in, data);
    }

    /**
     * A small state's snapshot: {@code map} serialized now (on the apply thread), so the snapshot holds a copy.
     * Shared with the simulator's state machine.
     */
    public static Snapshot snapshotOf(Map<String, String> map) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try {
            DataOutputStream d = new DataOutputStream(bytes);
            d.writeInt(map.size());
            for (Map.Entry<String, String> e : map.entrySet()) {
                d.writeUTF(e.getKey());
                d.writeUTF(e.getValue());
            }
        } catch (IOException impossible) {
            throw new java.io.UncheckedIOException(impossible); // an in-memory stream does not fail
        }
        byte[] state = bytes.toByteArray();
        return out -> out.write(state);
    }

    /** Replaces {@code map}'s contents with what {@link #snapshotOf} wrote. */
    public static void restoreInto(InputStream in, Map<String, String> map) throws IOException {
        DataInputStream d = new DataInputStream(in);
        map.clear();
        for (int n = d.readInt(); n > 0; n--) {
            map.put(d.readUTF(), d.readUTF());
        }
    }

    /** How many commands were applied (NO_OP and configuration entries do not count). */
    public long applies() {
        return applies.get();
    }

    /** The value of {@code key} now, read directly (not linearizable: for assertions). */
    public synchronized String value(String key) {
        return data.getOrDefault(key, "");
    }
}
