package io.keelraft.core.protocol;

/** What a log entry carries. */
public enum EntryType {
    /** A client command for the user's state machine. */
    COMMAND,
    /** The empty entry a new leader appends at once to commit entries of earlier terms (thesis §6.4, paper §8). */
    NO_OP,
    /** A cluster configuration; it takes effect as soon as it is in a server's log (thesis §4.1). */
    CONFIGURATION
}
