package io.keelraft.examples.counter;

import io.keelraft.core.RaftNode;
import io.keelraft.core.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;

/** A replicated counter: each command adds a number to the total; a query reads the total. */
public final class Counter implements StateMachine {
    private long total;

    @Override
    public byte[] apply(long index, byte[] command) {
        total += ByteBuffer.wrap(command).getLong();
        return ByteBuffer.allocate(8).putLong(total).array();
    }

    @Override
    public byte[] query(byte[] query) {
        return ByteBuffer.allocate(8).putLong(total).array();
    }

    @Override
    public Snapshot snapshot() {
        long captured = total; // captured on the apply thread, written later elsewhere
        return out -> new DataOutputStream(out).writeLong(captured);
    }

    @Override
    public void restore(InputStream in) throws IOException {
        total = new DataInputStream(in).readLong();
    }

    /** Starts server {@code id} of the cluster {@code members} (id to host:port), its data kept in {@code dir}. */
    public static RaftNode start(String id, Map<String, String> members, Path dir) {
        return RaftNode.builder().id(id).members(members).dataDirectory(dir).stateMachine(new Counter())
                .build().start();
    }

    /**
     * One server as each of the three runs it: starts, adds 5 through this server and reads the total back. Nothing
     * waits for the election: a command submitted before a leader is known waits for one (within the request
     * timeout). The server keeps running; close it at shutdown.
     */
    public static RaftNode serve(String id, Map<String, String> members, Path dir) throws Exception {
        RaftNode node = start(id, members, dir);
        try {
            long total = add(node, 5);   // committed on a majority and applied, through any server
            long now = read(node);       // linearizable (ReadIndex), through any server
            System.out.printf("%s: added 5, total %d, read %d%n", id, total, now);
            return node;
        } catch (Exception | Error e) {
            node.close();
            throw e;
        }
    }

    /** Adds {@code n} through {@code node} (any server: followers forward) and returns the new total. */
    public static long add(RaftNode node, long n) throws Exception {
        return ByteBuffer.wrap(node.submit(ByteBuffer.allocate(8).putLong(n).array()).get()).getLong();
    }

    /** Reads the total, linearizably, through any server. */
    public static long read(RaftNode node) throws Exception {
        return ByteBuffer.wrap(node.query(new byte[0]).get()).getLong();
    }
}
