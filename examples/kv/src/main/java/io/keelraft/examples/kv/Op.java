package io.keelraft.examples.kv;

/**
 * The operations of the key-value state machine. Writes travel through the log (one batch per log entry);
 * reads are answered by {@link KvStateMachine#query} at a linearizable read index. The code is what the
 * encoded form carries, so it must never change for an existing operation.
 */
enum Op {
    /** SET key value: OK. */
    SET(1, true),
    /** SET key value NX: OK if the key was absent, else nil. */
    SET_NX(2, true),
    /** SET key value XX: OK if the key was present, else nil. */
    SET_XX(3, true),
    /** DEL key...: how many existed. */
    DEL(4, true),
    /** INCRBY key delta (8 bytes, big-endian): the new value, or an error if the value is not an integer. */
    INCRBY(5, true),
    /** MSET key value [key value ...]: OK. */
    MSET(6, true),
    /** CAS key expected new: 1 if the value equalled expected and was replaced, else 0 (a missing key never equals). */
    CAS(7, true),
    /** GET key: the value or nil. */
    GET(20, false),
    /** MGET key...: an array of values or nils. */
    MGET(21, false),
    /** EXISTS key...: how many of the keys exist (a key named twice counts twice, as in Redis). */
    EXISTS(22, false),
    /** DBSIZE: the number of keys. */
    DBSIZE(23, false);

    private static final Op[] BY_CODE = new Op[128];

    static {
        for (Op op : values()) {
            BY_CODE[op.code] = op;
        }
    }

    final byte code;
    final boolean write;

    Op(int code, boolean write) {
        this.code = (byte) code;
        this.write = write;
    }

    /** The operation with this code, or null. */
    static Op ofCode(byte code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
