package io.keelraft.testkit.linearizability;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Decides whether one key's history is linearizable: the Wing–Gong depth-first search over orders of
 * operations, with Lowe's two improvements (G. Lowe, "Testing for linearizability", 2017):
 *
 * <ul>
 *   <li><b>Just-in-time linearization.</b> Walking the events in time order, nothing is decided at a call.
 *       Only when an operation returns without having been linearized must it be placed, possibly after some
 *       other open operations; the search branches over which one goes next. Orders that differ only in
 *       choices no return has forced yet are never enumerated.</li>
 *   <li><b>Memoization.</b> A {@link Configuration} (event, which open operations are linearized, register
 *       value) that failed once fails again, so each is explored at most once.</li>
 * </ul>
 *
 * Two dominance rules prune further without losing any linearization: a successful read that fits the
 * current value is placed at once and is the only branch (reads change nothing, so placing one early never
 * hurts), and an unknown operation that would not change the value is never tried (leaving it open keeps
 * every option it would give).
 *
 * <p>The search keeps an explicit stack, so long histories cannot overflow the thread's stack.
 */
final class KeySearch {

    /** One forced choice point: the search is at {@link #event} and must pick what takes effect next. */
    private static final class Frame {
        final int event;
        final String valueBefore;
        /** A read that fits {@link #valueBefore}, which is then the only branch; -1 if none. */
        final int onlyRead;
        /** Next candidate to try: -1 means the returning operation itself, then open ops, then unknowns. */
        int cursor = -1;
        /** The operation placed at this point on the current path; -1 before the first try. */
        int chosen = -1;

        Frame(int event, String valueBefore, int onlyRead) {
            this.event = event;
            this.valueBefore = valueBefore;
            this.onlyRead = onlyRead;
        }
    }

    private final Timeline timeline;
    private final Operation[] ops;
    private final SearchBudget budget;
    private final long startNanos;

    private final BitSet linearized = new BitSet();
    private final Set<Configuration> visited = new HashSet<>();
    private final List<Frame> stack = new ArrayList<>();
    private long steps;
    private SearchOutcome.Stuck deepest;

    KeySearch(Timeline timeline, SearchBudget budget, long startNanos) {
        this.timeline = timeline;
        this.ops = timeline.ops;
        this.budget = budget;
        this.startNanos = startNanos;
    }

    SearchOutcome run() {
        int event = 0;
        String value = null;
        while (true) {
            event = skipUnforced(event);
            if (event == timeline.eventCount()) {
                return new SearchOutcome(SearchOutcome.Kind.LINEARIZABLE, steps, null);
            }
            if (visited.add(new Configuration(event, linearizedOpen(event), value))) {
                stack.add(new Frame(event, value, fittingRead(event, value)));
                steps++;
            }
            // Take the next untried move, backtracking through exhausted frames.
            Frame frame;
            int next;
            while (true) {
                if (budgetExhausted()) {
                    return new SearchOutcome(SearchOutcome.Kind.EXHAUSTED, steps, null);
                }
                if (stack.isEmpty()) {
                    return new SearchOutcome(SearchOutcome.Kind.VIOLATION, steps, deepest);
                }
                frame = stack.get(stack.size() - 1);
                if (frame.chosen >= 0) {
                    linearized.clear(frame.chosen);
                    frame.chosen = -1;
                }
                next = nextCandidate(frame);
                if (next >= 0) {
                    break;
                }
                recordIfDeepest(frame);
                stack.remove(stack.size() - 1);
            }
            frame.chosen = next;
            linearized.set(next);
            value = ops[next].command().apply(frame.valueBefore);
            event = frame.event;
        }
    }

    /** Moves past calls and past returns of operations already linearized: only other returns force a choice. */
    private int skipUnforced(int event) {
        while (event < timeline.eventCount()
                && (timeline.isCall[event] || linearized.get(timeline.eventOp[event]))) {
            event++;
        }
        return event;
    }

    /** Which candidates at a return event are linearized, as a bitset over their positions. */
    private long[] linearizedOpen(int event) {
        int[] open = timeline.openAt[event];
        int unknowns = timeline.unknownsCalledBefore[event];
        long[] bits = new long[(open.length + unknowns + 63) >>> 6];
        for (int i = 0; i < open.length + unknowns; i++) {
            int op = i < open.length ? open[i] : timeline.unknowns[i - open.length];
            if (linearized.get(op)) {
                bits[i >>> 6] |= 1L << i;
            }
        }
        return bits;
    }

    /** An open successful read that fits {@code value}, preferring the one returning now; -1 if none. */
    private int fittingRead(int event, String value) {
        int returning = timeline.eventOp[event];
        if (fitsRead(returning, value)) {
            return returning;
        }
        for (int op : timeline.openAt[event]) {
            if (!linearized.get(op) && fitsRead(op, value)) {
                return op;
            }
        }
        return -1;
    }

    private boolean fitsRead(int op, String value) {
        Operation o = ops[op];
        return o.command().readOnly() && o.command().accepts(value, o.result());
    }

    /** The next operation that may take effect at this frame, or -1 when every candidate has been tried. */
    private int nextCandidate(Frame frame) {
        if (frame.onlyRead >= 0) {
            int read = frame.cursor == -1 ? frame.onlyRead : -1;
            frame.cursor = 0;
            return read;
        }
        int returning = timeline.eventOp[frame.event];
        int[] open = timeline.openAt[frame.event];
        int unknowns = timeline.unknownsCalledBefore[frame.event];
        while (true) {
            int position = frame.cursor++;
            int op;
            if (position == -1) {
                op = returning;
            } else if (position < open.length) {
                op = open[position];
            } else if (position - open.length < unknowns) {
                op = timeline.unknowns[position - open.length];
            } else {
                return -1;
            }
            if (position >= 0 && op == returning || linearized.get(op)) {
                continue;
            }
            steps++;
            Operation o = ops[op];
            boolean useful = o.outcome() == Outcome.OK
                    ? o.command().accepts(frame.valueBefore, o.result())
                    : !Objects.equals(o.command().apply(frame.valueBefore), frame.valueBefore);
            if (useful) {
                return op;
            }
        }
    }

    private boolean budgetExhausted() {
        return steps > budget.maxStepsPerKey() || ((steps & 0x3ff) == 0 && budget.expired(startNanos));
    }

    /** Remembers the longest prefix that could not be extended, for the violation report. */
    private void recordIfDeepest(Frame stuckFrame) {
        int depth = stack.size() - 1;
        if (deepest != null && deepest.linearized().size() >= depth) {
            return;
        }
        List<Violation.Step> prefix = new ArrayList<>(depth);
        for (int i = 0; i < depth; i++) {
            Frame f = stack.get(i);
            prefix.add(new Violation.Step(ops[f.chosen], stack.get(i + 1).valueBefore));
        }
        int returning = timeline.eventOp[stuckFrame.event];
        List<Operation> pending = new ArrayList<>();
        for (int op : timeline.openAt[stuckFrame.event]) {
            if (op != returning && !linearized.get(op)) {
                pending.add(ops[op]);
            }
        }
        for (int i = 0; i < timeline.unknownsCalledBefore[stuckFrame.event]; i++) {
            if (!linearized.get(timeline.unknowns[i])) {
                pending.add(ops[timeline.unknowns[i]]);
            }
        }
        deepest = new SearchOutcome.Stuck(prefix, ops[returning], stuckFrame.valueBefore, pending);
    }
}
