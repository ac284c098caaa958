package io.keelraft.testkit.linearizability;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Records client operations as a simulation runs: call {@link #invoke} when a client sends a command and
 * one of {@link #ok}, {@link #fail} or {@link #unknown} when it learns (or gives up learning) the outcome.
 * Operations still open when the history is read count as {@link Outcome#UNKNOWN}.
 *
 * <pre>{@code
 * long id = history.invoke(client, Command.put("x", "1"), now);
 * ...
 * history.ok(id, now);                  // acknowledged
 * history.ok(readId, now, "1");         // a GET that returned "1" (null: absent)
 * history.fail(id, now);                // definitely not applied (also: a CAS answered "no swap")
 * history.unknown(id);                  // timed out: may apply at any time, or never
 * }</pre>
 *
 * <p>Methods are synchronized so real-thread tests can share one history; the simulator pays nothing for it.
 */
public final class History {

    private final List<Operation> operations = new ArrayList<>();
    /** Operations whose outcome has been recorded; the rest are still open. */
    private final BitSet ended = new BitSet();

    /** Records that {@code client} sent {@code command} at {@code time}, and returns the operation's id. */
    public synchronized long invoke(int client, Command command, long time) {
        long id = operations.size();
        operations.add(new Operation(id, client, command, time, Operation.NEVER, Outcome.UNKNOWN, null));
        return id;
    }

    /** The operation completed at {@code time}; for commands other than {@code GET}. */
    public synchronized void ok(long id, long time) {
        Operation op = open(id);
        if (op.command().readOnly()) {
            throw new IllegalArgumentException("a read needs its result: ok(id, time, value) for " + op);
        }
        end(op, time, Outcome.OK, null);
    }

    /** The operation completed at {@code time} and returned {@code result} ({@code null}: the key was absent). */
    public synchronized void ok(long id, long time, String result) {
        end(open(id), time, Outcome.OK, result);
    }

    /** The operation definitely did not take effect; the client learned so at {@code time}. */
    public synchronized void fail(long id, long time) {
        end(open(id), time, Outcome.FAIL, null);
    }

    /** The client stopped waiting: the operation may take effect at any time after its invocation, or never. */
    public synchronized void unknown(long id) {
        open(id);
        ended.set((int) id);
    }

    /** Number of operations invoked so far. */
    public synchronized int size() {
        return operations.size();
    }

    /** A snapshot of every operation in the order they were invoked; open operations appear as UNKNOWN. */
    public synchronized List<Operation> operations() {
        return List.copyOf(operations);
    }

    private Operation open(long id) {
        if (id < 0 || id >= operations.size()) {
            throw new IllegalArgumentException("no operation with id " + id);
        }
        if (ended.get((int) id)) {
            throw new IllegalStateException("outcome already recorded for " + operations.get((int) id));
        }
        return operations.get((int) id);
    }

    private void end(Operation op, long time, Outcome outcome, String result) {
        if (time < op.invokeTime()) {
            throw new IllegalArgumentException("completion " + time + " is before invocation of " + op);
        }
        operations.set((int) op.id(), new Operation(op.id(), op.client(), op.command(), op.invokeTime(), time,
                outcome, result));
        ended.set((int) op.id());
    }
}
