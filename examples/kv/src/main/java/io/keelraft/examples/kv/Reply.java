package io.keelraft.examples.kv;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** A reply to one command, in RESP2's terms; the state machine returns them encoded ({@link KvCodec}). */
sealed interface Reply {

    Reply OK = new Simple("OK");
    Reply NIL = new Nil();

    /** A simple string: {@code +OK}. */
    record Simple(String text) implements Reply {
    }

    /** A nil bulk string: {@code $-1}. */
    record Nil() implements Reply {
    }

    /** An integer: {@code :42}. */
    record Int(long value) implements Reply {
    }

    /** A bulk string. */
    record Bulk(byte[] value) implements Reply {
        @Override
        public boolean equals(Object o) {
            return o instanceof Bulk b && Arrays.equals(value, b.value);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "Bulk[" + new String(value, StandardCharsets.UTF_8) + "]";
        }
    }

    /** An error, {@code -PREFIX text}; the message starts with the Redis error code (ERR, TRYAGAIN, ...). */
    record Error(String message) implements Reply {
    }

    /** An array of replies. */
    record Multi(List<Reply> items) implements Reply {
    }

    static Reply bulk(String s) {
        return new Bulk(s.getBytes(StandardCharsets.UTF_8));
    }

    static Reply error(String message) {
        return new Error(message);
    }
}
