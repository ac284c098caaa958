package io.keelraft.examples.kv;

/**
 * The key-value state machine answered a command with an error, e.g. {@code ERR value is not an integer or out of
 * range} for {@link KvClient#incrBy} on a value that is not a number. The command ran and changed nothing; sending
 * it again unchanged fails the same way.
 */
public final class KvCommandException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * An error reply of the state machine.
     *
     * @param message the reply's text, starting with its Redis error code ({@code ERR ...})
     */
    public KvCommandException(String message) {
        super(message);
    }

    /** The reply's error code: its first word, e.g. {@code ERR}. */
    public String code() {
        String m = getMessage();
        int space = m.indexOf(' ');
        return space < 0 ? m : m.substring(0, space);
    }
}
