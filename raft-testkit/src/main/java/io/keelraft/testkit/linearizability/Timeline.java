package io.keelraft.testkit.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One key's operations as a sequence of call and return events in time order, plus what the search asks at
 * each return: which operations could take effect at that point.
 *
 * <p>Operations are numbered 0..n-1 in this timeline (not by their history id). Successful operations have
 * a call and a return; operations of unknown outcome have only a call, since they may take effect at any
 * later time. Failed operations and unknown reads are left out: neither can affect anything else.
 */
final class Timeline {

    final Operation[] ops;
    /** The operation of each event. */
    final int[] eventOp;
    /** Whether each event is a call (otherwise a return). */
    final boolean[] isCall;
    /**
     * For a return event: the successful operations open there (called before it and not yet returned,
     * including the returning one), in call order. {@code null} for calls.
     */
    final int[][] openAt;
    /** Operations of unknown outcome, in call order. */
    final int[] unknowns;
    /** For each event: how many of {@link #unknowns} were called before it. */
    final int[] unknownsCalledBefore;
    /** For each operation: its call event. */
    final int[] callEvent;
    /** For each operation: its return event, or {@link #eventCount()} if it has none (unknown outcome). */
    final int[] returnEvent;

    Timeline(List<Operation> keyOps) {
        List<Operation> kept = new ArrayList<>();
        for (Operation op : keyOps) {
            boolean inert = op.outcome() == Outcome.FAIL
                    || (op.outcome() == Outcome.UNKNOWN && op.command().readOnly());
            if (!inert) {
                kept.add(op);
            }
        }
        ops = kept.toArray(new Operation[0]);

        List<long[]> events = new ArrayList<>(); // {time, 0 = call | 1 = return, op}
        for (int i = 0; i < ops.length; i++) {
            events.add(new long[] {ops[i].invokeTime(), 0, i});
            if (ops[i].outcome() == Outcome.OK) {
                events.add(new long[] {ops[i].completeTime(), 1, i});
            }
        }
        // Calls before returns at equal times: operations whose intervals touch are concurrent, which never
        // reports a violation the recorded times cannot prove.
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0])
                : a[1] != b[1] ? Long.compare(a[1], b[1]) : Long.compare(a[2], b[2]));

        int n = events.size();
        eventOp = new int[n];
        isCall = new boolean[n];
        openAt = new int[n][];
        unknownsCalledBefore = new int[n];
        int[] unknownList = new int[ops.length];
        int unknownCount = 0;
        Set<Integer> open = new LinkedHashSet<>();
        for (int e = 0; e < n; e++) {
            int op = (int) events.get(e)[2];
            eventOp[e] = op;
            isCall[e] = events.get(e)[1] == 0;
            unknownsCalledBefore[e] = unknownCount;
            if (isCall[e]) {
                if (ops[op].outcome() == Outcome.OK) {
                    open.add(op);
                } else {
                    unknownList[unknownCount++] = op;
                }
            } else {
                openAt[e] = open.stream().mapToInt(Integer::intValue).toArray();
                open.remove(op);
            }
        }
        unknowns = Arrays.copyOf(unknownList, unknownCount);
        callEvent = new int[ops.length];
        returnEvent = new int[ops.length];
        Arrays.fill(returnEvent, n);
        for (int e = 0; e < n; e++) {
            (isCall[e] ? callEvent : returnEvent)[eventOp[e]] = e;
        }
    }

    int eventCount() {
        return eventOp.length;
    }
}
