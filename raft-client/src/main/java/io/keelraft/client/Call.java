package io.keelraft.client;

import io.keelraft.core.ReadMode;
import java.util.concurrent.CompletableFuture;

/**
 * One request of a {@link RaftClient}, from {@code submit} or {@code query} until its future completes — and, for a
 * command whose deadline passed, until the group answers it (see {@link #orphaned}). Confined to the client's
 * I/O thread once queued.
 */
final class Call {

    enum Kind { OPEN_SESSION, COMMAND, QUERY }

    final Kind kind;
    final byte[] payload;
    final ReadMode mode;
    final CompletableFuture<byte[]> future;
    /** {@link System#nanoTime} after which the caller's future fails. */
    final long deadlineNanos;

    /** The session and sequence number of a command; fixed at its first send, the same on every retry. */
    long sessionId;
    long seq;
    /** What the send in flight says the client has answers for (thesis §6.3: the server may forget them). */
    long ackedThroughAtSend;
    /** The id of the send in flight (unique per client), or 0 while not on any connection. */
    long callId;
    /** The connection the send in flight went out on. */
    ServerConnection sentOn;
    /** Whether any send may have reached a server: a failure before that is certain ("not applied"). */
    boolean everSent;
    int attempts;
    /**
     * A command whose caller already got a timeout, still sent until the group answers it: the session applies
     * commands in sequence order, so a later command waits for this one to be applied or refused.
     */
    boolean orphaned;
    /**
     * Refused as out of order while its predecessor is unanswered: sent again as soon as the predecessor is answered
     * (or, as a safety net, after the longest backoff). {@link #holds} tells one hold's safety net from the next's.
     */
    boolean held;
    int holds;
    /** Took a place in the client's window. */
    boolean started;
    /** Answered, refused for good, or failed: out of the window, never sent again. */
    boolean done;
    /** The last failure seen, for the message of a timeout. */
    Throwable lastFailure;

    Call(Kind kind, byte[] payload, ReadMode mode, long deadlineNanos) {
        this.kind = kind;
        this.payload = payload;
        this.mode = mode;
        this.deadlineNanos = deadlineNanos;
        this.future = new CompletableFuture<>();
    }

    boolean isCommand() {
        return kind == Kind.COMMAND;
    }
}
