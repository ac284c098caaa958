package io.keelraft.testkit;

/** The part of a server's log the checkers look at: its length and the term at each index. */
interface LogView {

    /** Index of the last entry (durable or not); 0 for an empty log. */
    long lastIndex();

    /** Term of the entry at {@code index}, for {@code 0 <= index <= lastIndex()}; 0 at index 0. */
    long term(long index);
}
