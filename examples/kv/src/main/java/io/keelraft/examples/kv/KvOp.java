package io.keelraft.examples.kv;

import java.util.Arrays;

/** One operation on the map with its arguments (keys, values, or an encoded number), as it is replicated. */
record KvOp(Op op, byte[]... args) {

    /** Bytes this operation takes in a batch: opcode, argument count, and each argument with its length. */
    int encodedSize() {
        int size = 1 + 4;
        for (byte[] a : args) {
            size += 4 + a.length;
        }
        return size;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KvOp other && op == other.op && Arrays.deepEquals(args, other.args);
    }

    @Override
    public int hashCode() {
        return 31 * op.hashCode() + Arrays.deepHashCode(args);
    }

    @Override
    public String toString() {
        return op + "(" + args.length + " args)";
    }
}
