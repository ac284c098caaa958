package io.keelraft.testkit.linearizability;

import java.util.Arrays;
import java.util.Objects;

/**
 * A point the search has reached: the return event it is stuck at, which of the operations open there are
 * already linearized, the register's value, and whether the path is dirty (see {@link KeySearch}). Lowe's
 * memoization: reaching a configuration a second time cannot succeed where the first visit failed, so the
 * search skips it.
 *
 * <p>Only the open operations need recording: every operation that returned earlier is necessarily
 * linearized and every later call necessarily is not. That keeps the bitset as small as the concurrency.
 */
final class Configuration {

    private final int event;
    private final long[] linearizedOpen;
    private final String value;
    private final boolean dirty;
    private final int hash;

    Configuration(int event, long[] linearizedOpen, String value, boolean dirty) {
        this.event = event;
        this.linearizedOpen = linearizedOpen;
        this.value = value;
        this.dirty = dirty;
        this.hash = 2 * (31 * (31 * event + Arrays.hashCode(linearizedOpen)) + Objects.hashCode(value))
                + (dirty ? 1 : 0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Configuration c && c.hash == hash && c.event == event && c.dirty == dirty
                && Arrays.equals(c.linearizedOpen, linearizedOpen) && Objects.equals(c.value, value);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
