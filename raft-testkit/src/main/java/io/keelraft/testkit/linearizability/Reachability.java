package io.keelraft.testkit.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Whether every read (or successful CAS) still waiting to be placed could yet see the value it needs. The
 * search asks at every choice point; if one cannot, the branch is dead however the rest is ordered, and the
 * search abandons a wrong guess right away instead of exploring everything between it and the read.
 *
 * <p>This is the one place that knows the register's algebra beyond single commands. Every value reachable
 * from {@code v} is {@code v}, or a value some PUT or CAS writes, each followed by appended suffixes. So a
 * needed value must extend the current value, or extend a value that some unplaced operation writes and that
 * may take effect before the read returns. The test ignores which suffixes exist and in what order: it
 * over-approximates what is reachable, which keeps it sound.
 *
 * <p>It also follows {@link KeySearch}'s dirty rule: on a dirty path no PUT may be placed until a successful
 * read or CAS observes the value, and that observer must itself find its value without a PUT.
 */
final class Reachability {

    /** How many reads not yet invoked are checked too: they see the value no earlier than the next choice. */
    private static final int UPCOMING = 4;
    /** How deep to follow "this CAS can write it, if its expected value is reachable"; deeper counts as yes. */
    private static final int CAS_DEPTH = 3;
    /** How many upcoming observers to consider as cleaners of a dirty path; beyond that, assume one could. */
    private static final int CLEANER_SCAN = 16;

    private final Timeline timeline;
    private final Operation[] ops;
    /** Operations that need a value ({@link #needsValue}), in call order. */
    private final int[] observers;
    /** For each event: the position in {@link #observers} of the first one called at or after it. */
    private final int[] firstObserverFrom;
    /**
     * For each observer and each CAS: the operations called before it returns that write a value its needed
     * value extends. Empty for the others.
     */
    private final int[][] writers;

    Reachability(Timeline timeline) {
        this.timeline = timeline;
        this.ops = timeline.ops;
        List<Integer> found = new ArrayList<>();
        for (int e = 0; e < timeline.eventCount(); e++) {
            if (timeline.isCall[e] && needsValue(ops[timeline.eventOp[e]])) {
                found.add(timeline.eventOp[e]);
            }
        }
        observers = found.stream().mapToInt(Integer::intValue).toArray();
        firstObserverFrom = new int[timeline.eventCount() + 1];
        for (int e = timeline.eventCount() - 1, k = observers.length; e >= 0; e--) {
            if (k > 0 && timeline.callEvent[observers[k - 1]] == e) {
                k--;
            }
            firstObserverFrom[e] = k;
        }
        firstObserverFrom[timeline.eventCount()] = observers.length;
        writers = writersOfNeeded();
    }

    /** Whether a successful {@code op} needs one specific register value to take effect on. */
    static boolean needsValue(Operation op) {
        return op.outcome() == Outcome.OK && op.command().observes();
    }

    /** The value a successful read or CAS needs: the value read, or the value expected. */
    static String neededValue(Operation op) {
        return op.command() instanceof Command.Cas cas ? cas.expected() : op.result();
    }

    /** The value {@code command} may set whatever the register held before (PUT, or CAS when it swaps). */
    static String writtenValue(Command command) {
        if (command instanceof Command.Put put) {
            return put.value();
        }
        if (command instanceof Command.Cas cas) {
            return cas.update();
        }
        return null;
    }

    /** Whether {@code target} is {@code from} or {@code from} followed by appended text. */
    static boolean extendsValue(String from, String target) {
        if (target == null) {
            return from == null; // nothing deletes a key
        }
        return from == null || target.startsWith(from);
    }

    /**
     * At return event {@code event} with the register at {@code value}: an open or upcoming observer that can
     * no longer see the value it needs, or -1 if every one still could.
     */
    int firstUnreachable(int event, String value, boolean dirty, BitSet placed) {
        for (int op : timeline.openAt[event]) {
            if (!placed.get(op) && needsValue(ops[op]) && !reachable(op, event, value, dirty, placed)) {
                return op;
            }
        }
        int from = firstObserverFrom[event];
        for (int k = from; k < Math.min(from + UPCOMING, observers.length); k++) {
            if (!reachable(observers[k], event, value, dirty, placed)) {
                return observers[k];
            }
        }
        return -1;
    }

    private boolean reachable(int op, int event, String value, boolean dirty, BitSet placed) {
        return reachable(op, event, value, dirty, placed, CAS_DEPTH);
    }

    /** Whether the value {@code op} needs is reachable; a CAS writer counts only if its own expected value is. */
    private boolean reachable(int op, int event, String value, boolean dirty, BitSet placed, int depth) {
        if (extendsValue(value, neededValue(ops[op]))) {
            return true;
        }
        boolean putLeft = false;
        for (int writer : writers[op]) {
            if (placed.get(writer)) {
                continue;
            }
            if (ops[writer].command() instanceof Command.Cas) {
                if (depth == 0 || reachable(writer, event, value, dirty, placed, depth - 1)) {
                    return true;
                }
            } else if (!dirty) {
                return true;
            } else {
                putLeft = true;
            }
        }
        return putLeft && cleanable(op, event, value, placed, depth);
    }

    /**
     * Whether, on a dirty path, some other observer could be placed before {@code op} and observe a value
     * reachable without a PUT, which would allow PUTs again.
     */
    private boolean cleanable(int op, int event, String value, BitSet placed, int depth) {
        for (int other : timeline.openAt[event]) {
            if (other != op && !placed.get(other) && needsValue(ops[other])
                    && cleansFrom(other, op, event, value, placed, depth)) {
                return true;
            }
        }
        int scanned = 0;
        for (int k = firstObserverFrom[event]; k < observers.length; k++) {
            int other = observers[k];
            if (timeline.callEvent[other] >= timeline.returnEvent[op]) {
                return false;
            }
            if (++scanned > CLEANER_SCAN) {
                return true; // too far to look: assume one could, which never prunes a real linearization
            }
            if (other != op && cleansFrom(other, op, event, value, placed, depth)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code observer} could see its value from {@code value} without a PUT and without {@code op}. */
    private boolean cleansFrom(int observer, int op, int event, String value, BitSet placed, int depth) {
        if (extendsValue(value, neededValue(ops[observer]))) {
            return true;
        }
        for (int writer : writers[observer]) {
            if (writer != op && !placed.get(writer) && ops[writer].command() instanceof Command.Cas
                    && (depth == 0 || reachable(writer, event, value, true, placed, depth - 1))) {
                return true;
            }
        }
        return false;
    }

    /** For each observer and CAS: the operations that write a prefix of its needed value, called before it returns. */
    private int[][] writersOfNeeded() {
        Map<String, List<Integer>> byWrittenValue = new HashMap<>();
        for (int op = 0; op < ops.length; op++) {
            String written = writtenValue(ops[op].command());
            if (written != null) {
                byWrittenValue.computeIfAbsent(written, v -> new ArrayList<>()).add(op);
            }
        }
        // Look needed values up by their prefixes; written values come in few lengths, so this stays near-linear.
        TreeSet<Integer> lengths = new TreeSet<>();
        byWrittenValue.keySet().forEach(v -> lengths.add(v.length()));
        int[][] result = new int[ops.length][];
        Arrays.fill(result, new int[0]);
        for (int op = 0; op < ops.length; op++) {
            String needed = neededValue(ops[op]);
            if (needed == null || !(needsValue(ops[op]) || ops[op].command() instanceof Command.Cas)) {
                continue;
            }
            List<Integer> found = new ArrayList<>();
            for (int length : lengths.headSet(needed.length(), true)) {
                for (int writer : byWrittenValue.getOrDefault(needed.substring(0, length), List.of())) {
                    if (writer != op && timeline.callEvent[writer] < timeline.returnEvent[op]) {
                        found.add(writer);
                    }
                }
            }
            result[op] = found.stream().mapToInt(Integer::intValue).toArray();
        }
        return result;
    }
}
