package io.keelraft.testkit.linearizability;

import java.util.Objects;

/**
 * One command a client sends to the replicated key-value store. Every command touches exactly one key,
 * which is what lets the checker test each key on its own (P-compositionality).
 *
 * <p>The sequential model is a map from key to string register. A register starts absent ({@code null}).
 * Each command says what it does to the register ({@link #apply}) and which results a completed run could
 * have returned ({@link #accepts}); the checker needs nothing else.
 */
public sealed interface Command permits Command.Put, Command.Get, Command.Append, Command.Cas {

    /** The one key this command reads or writes. */
    String key();

    /** The register's value after this command runs on {@code value}; {@code null} means absent. */
    String apply(String value);

    /**
     * Whether a run on {@code value} that completed successfully could have returned {@code result}.
     * Commands whose result carries no information accept anything.
     */
    boolean accepts(String value, String result);

    /** True when the command never changes the register, so running it is invisible to later commands. */
    default boolean readOnly() {
        return false;
    }

    /** True when the command's new value ignores the old one, erasing every earlier write. */
    default boolean overwrites() {
        return false;
    }

    /** True when a successful completion says something about the value it ran on. */
    default boolean observes() {
        return false;
    }

    /** Sets {@code key} to {@code value}. */
    static Put put(String key, String value) {
        return new Put(key, value);
    }

    /** Reads {@code key}; the result is its value, or {@code null} when absent. */
    static Get get(String key) {
        return new Get(key);
    }

    /** Appends {@code suffix} to {@code key}'s value (an absent value counts as empty). */
    static Append append(String key, String suffix) {
        return new Append(key, suffix);
    }

    /**
     * Sets {@code key} to {@code update} if it currently equals {@code expected} ({@code null}: absent).
     * A successful completion means the swap happened; a client told "no swap" records the operation as
     * failed, since it definitely changed nothing.
     */
    static Cas cas(String key, String expected, String update) {
        return new Cas(key, expected, update);
    }

    /** Formats a register value or result for reports: quoted, or {@code nil} when absent. */
    static String show(String value) {
        return value == null ? "nil" : '"' + value + '"';
    }

    /** {@code PUT key value}. */
    record Put(String key, String value) implements Command {
        public Put {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String apply(String current) {
            return value;
        }

        @Override
        public boolean accepts(String current, String result) {
            return true;
        }

        @Override
        public boolean overwrites() {
            return true;
        }

        @Override
        public String toString() {
            return "PUT " + key + " " + show(value);
        }
    }

    /** {@code GET key}. */
    record Get(String key) implements Command {
        public Get {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public String apply(String current) {
            return current;
        }

        @Override
        public boolean accepts(String current, String result) {
            return Objects.equals(current, result);
        }

        @Override
        public boolean readOnly() {
            return true;
        }

        @Override
        public boolean observes() {
            return true;
        }

        @Override
        public String toString() {
            return "GET " + key;
        }
    }

    /** {@code APPEND key suffix}: plain string concatenation. */
    record Append(String key, String suffix) implements Command {
        public Append {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(suffix, "suffix");
        }

        @Override
        public String apply(String current) {
            return current == null ? suffix : current + suffix;
        }

        @Override
        public boolean accepts(String current, String result) {
            return true;
        }

        @Override
        public String toString() {
            return "APPEND " + key + " " + show(suffix);
        }
    }

    /** {@code CAS key expected -> update}. */
    record Cas(String key, String expected, String update) implements Command {
        public Cas {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(update, "update");
        }

        @Override
        public String apply(String current) {
            return Objects.equals(current, expected) ? update : current;
        }

        @Override
        public boolean accepts(String current, String result) {
            // Success means the swap happened, which it could only do from the expected value.
            return Objects.equals(current, expected);
        }

        @Override
        public boolean observes() {
            return true;
        }

        @Override
        public String toString() {
            return "CAS " + key + " " + show(expected) + "->" + show(update);
        }
    }
}
