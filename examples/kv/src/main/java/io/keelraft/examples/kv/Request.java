package io.keelraft.examples.kv;

/** A client command after parsing: what the connection has to do with it. */
sealed interface Request {

    /** A write: replicated through the log in the connection's client session. */
    record Write(KvOp op) implements Request {
    }

    /** A read: answered by a linearizable (ReadIndex) query. */
    record Read(KvOp op) implements Request {
    }

    /** Answered by this server alone ({@link LocalCommands}): PING, HELLO, CLIENT, RAFT.INFO, ... */
    record Local(String name, byte[][] args) implements Request {
    }

    /** Answered at once with a fixed reply, typically an error found while parsing. */
    record Immediate(Reply reply) implements Request {
    }
}
