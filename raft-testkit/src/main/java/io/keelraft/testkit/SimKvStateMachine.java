package io.keelraft.testkit;

import io.keelraft.core.StateMachine;
import io.keelraft.testkit.linearizability.Command;
import io.keelraft.testkit.memory.KeyValueStateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The key-value state machine the simulated clients drive through real {@code RaftNode}s, speaking the
 * linearizability checker's {@link Command}s: {@code PUT k v} (result {@code OK}), {@code CAS k expected new}
 * (result {@code 1} when swapped, else {@code 0}) and the query {@code GET k}. {@value #NIL} stands for an absent
 * value. Each apply is reported to an {@link AppliedLog} so replicas can be compared index by index.
 */
final class SimKvStateMachine implements StateMachine {

    static final String NIL = "~";

    /** Where every server reports what it applied at which index. */
    interface AppliedLog {
        void applied(String server, long index, String command);
    }

    private final String server;
    private final AppliedLog appliedLog;
    private final Map<String, String> data = new TreeMap<>();

    /** Test-only: a restore that forgets one key, to prove the simulation checks restored state. */
    private final boolean lossyRestore;

    SimKvStateMachine(String server, AppliedLog appliedLog) {
        this(server, appliedLog, false);
    }

    SimKvStateMachine(String server, AppliedLog appliedLog, boolean lossyRestore) {
        this.server = server;
        this.appliedLog = appliedLog;
        this.lossyRestore = lossyRestore;
    }

    static byte[] encode(Command command) {
        String text;
        if (command instanceof Command.Put p) {
            text = "PUT " + p.key() + " " + p.value();
        } else if (command instanceof Command.Cas c) {
            text = "CAS " + c.key() + " " + (c.expected() == null ? NIL : c.expected()) + " " + c.update();
        } else if (command instanceof Command.Get g) {
            text = "GET " + g.key();
        } else {
            throw new IllegalArgumentException("not simulated: " + command);
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A GET's result as the checker sees it: null when the key is absent. */
    static String value(byte[] result) {
        String v = new String(result, StandardCharsets.UTF_8);
        return v.equals(NIL) ? null : v;
    }

    @Override
    public byte[] apply(long index, byte[] command) {
        String text = new String(command, StandardCharsets.UTF_8);
        appliedLog.applied(server, index, text);
        String[] parts = text.split(" ");
        String result = switch (parts[0]) {
            case "PUT" -> {
                data.put(parts[1], parts[2]);
                yield "OK";
            }
            case "CAS" -> {
                String current = data.getOrDefault(parts[1], NIL);
                if (current.equals(parts[2])) {
                    data.put(parts[1], parts[3]);
                    yield "1";
                }
                yield "0";
            }
            default -> throw new IllegalArgumentException("unknown command " + text);
        };
        return result.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] query(byte[] query) {
        String[] parts = new String(query, StandardCharsets.UTF_8).split(" ");
        return data.getOrDefault(parts[1], NIL).getBytes(StandardCharsets.UTF_8);
    }

    /** The whole map, for comparing replicas at the end of a run. */
    Map<String, String> contents() {
        return Map.copyOf(data);
    }

    @Override
    public Snapshot snapshot() {
        return KeyValueStateMachine.snapshotOf(data);
    }

    @Override
    public void restore(InputStream in) throws IOException {
        KeyValueStateMachine.restoreInto(in, data);
        if (lossyRestore && !data.isEmpty()) {
            data.remove(((TreeMap<String, String>) data).lastKey());
        }
    }
}
