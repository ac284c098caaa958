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
 * A goal rule cuts branches that cannot succeed: every read (or successful CAS) not yet placed must still be
 * able to find the value it needs ({@link Reachability}). A wrong guess is abandoned at the next choice point
 * rather than when the read returns, which spares exploring every choice in between.
 *
 * <p>Three dominance rules prune further without losing any linearization. Each holds because an operation
 * of unknown outcome left open keeps every option that placing it would give:
 *
 * <ul>
 *   <li>A successful read that fits the current value is placed at once and is the only branch: reads
 *       change nothing, so placing one early never hurts.</li>
 *   <li>An unknown operation that would not change the value is never tried.</li>
 *   <li>An unknown operation whose effect is overwritten before anything observes it is wasted: once one is
 *       placed (the path is "dirty"), overwriting writes are not tried until a successful read or CAS
 *       observes the value. This rule depends on the path, so the dirty flag is part of the memo key.</li>
 * </ul>
 *
 * <p>The search keeps an explicit stack, so long histories cannot overflow the thread's stack.
 */
final class KeySearch {

    /** One forced choice point: the search is at {@link #event} and must pick what takes effect next. */
    private static final class Frame {
        final int event;
        final String valueBefore;
        /** Whether an unknown operation has taken effect since the last successful observation of the value. */
        final boolean dirtyBefore;
        /** A read that fits {@link #valueBefore}, which is then the only branch; -1 if none. */
        final int onlyRead;
        /** Next candidate to try: -1 means the returning operation itself, then open ops, then unknowns. */
        int cursor = -1;
        /** The operation placed at this point on the current path; -1 before the first try. */
        int chosen = -1;

        Frame(int event, String valueBefore, boolean dirtyBefore, int onlyRead) {
            this.event = event;
            this.valueBefore = valueBefore;
            this.dirtyBefore = dirtyBefore;
            this.onlyRead = onlyRead;
        }
    }

    private final Timeline timeline;
    private final Operation[] ops;
    private final Reachability reachability;
    private final SearchBudget budget;
    private final long startNanos;
    /** The operation the report should preferably blame (a history id), or -1. */
    private final long focus;

    private final BitSet linearized = new BitSet();
    private final Set<Configuration> visited = new HashSet<>();
    private final List<Frame> stack = new ArrayList<>();
    private long steps;
    private long nextClockCheck;
    private SearchOutcome.Stuck bestDeadEnd;

    KeySearch(Timeline timeline, SearchBudget budget, long startNanos) {
        this(timeline, budget, startNanos, -1);
    }

    /** A search whose violation report prefers dead ends that blame the operation with id {@code focus}. */
    KeySearch(Timeline timeline, SearchBudget budget, long startNanos, long focus) {
        this.focus = focus;
        this.timeline = timeline;
        this.ops = timeline.ops;
        this.reachability = new Reachability(timeline);
        this.budget = budget;
        this.startNanos = startNanos;
    }

    SearchOutcome run() {
        int event = 0;
        String value = null;
        boolean dirty = false;
        while (true) {
            event = skipUnforced(event);
            if (event == timeline.eventCount()) {
                return new SearchOutcome(SearchOutcome.Kind.LINEARIZABLE, steps, null);
            }
            steps++;
            int unreachable = reachability.firstUnreachable(event, value, dirty, linearized);
            if (unreachable >= 0) {
                recordDeadEnd(stack.size(), unreachable, event, value);
            } else if (visited.add(new Configuration(event, linearizedOpen(event), value, dirty))) {
                stack.add(new Frame(event, value, dirty, fittingRead(event, value)));
            }
            // Take the next untried move, backtracking through exhausted frames.
            Frame frame;
            int next;
            while (true) {
                if (budgetExhausted()) {
                    return new SearchOutcome(SearchOutcome.Kind.EXHAUSTED, steps, null);
                }
                if (stack.isEmpty()) {
                    return new SearchOutcome(SearchOutcome.Kind.VIOLATION, steps, bestDeadEnd);
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
                stack.remove(stack.size() - 1);
                recordDeadEnd(stack.size(), timeline.eventOp[frame.event], frame.event, frame.valueBefore);
            }
            frame.chosen = next;
            linearized.set(next);
            Operation placed = ops[next];
            value = placed.command().apply(frame.valueBefore);
            dirty = placed.outcome() == Outcome.UNKNOWN
                    || frame.dirtyBefore && !placed.command().observes();
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
            if (frame.dirtyBefore && o.command().overwrites()) {
                continue; // it would erase an unknown operation's effect unobserved: that branch is dominated
            }
            boolean useful = o.outcome() == Outcome.OK
                    ? o.command().accepts(frame.valueBefore, o.result())
                    : !Objects.equals(o.command().apply(frame.valueBefore), frame.valueBefore);
            if (useful) {
                return op;
            }
        }
    }

    private boolean budgetExhausted() {
        if (steps > budget.maxStepsPerKey()) {
            return true;
        }
        if (steps >= nextClockCheck) { // reading the clock every step would cost more than the step
            nextClockCheck = steps + 1024;
            return budget.expired(startNanos);
        }
        return false;
    }

    /**
     * Remembers the best dead end for the violation report: the first {@code depth} operations placed on the
     * current path, leaving the register at {@code value}, after which {@code stuck} cannot take effect.
     * Dead ends that blame the focus operation come first, then longer ones.
     */
    private void recordDeadEnd(int depth, int stuck, int event, String value) {
        if (bestDeadEnd != null) {
            boolean focused = ops[stuck].id() == focus;
            boolean bestFocused = bestDeadEnd.op().id() == focus;
            if (bestFocused && !focused || bestFocused == focused && bestDeadEnd.linearized().size() >= depth) {
                return;
            }
        }
        List<Violation.Step> prefix = new ArrayList<>(depth);
        for (int i = 0; i < depth; i++) {
            String after = i + 1 < depth ? stack.get(i + 1).valueBefore : value;
            prefix.add(new Violation.Step(ops[stack.get(i).chosen], after));
        }
        List<Operation> pending = new ArrayList<>();
        for (int op : timeline.openAt[event]) {
            if (op != stuck && !linearized.get(op)) {
                pending.add(ops[op]);
            }
        }
        for (int i = 0; i < timeline.unknownsCalledBefore[event]; i++) {
            if (!linearized.get(timeline.unknowns[i])) {
                pending.add(ops[timeline.unknowns[i]]);
            }
        }
        bestDeadEnd = new SearchOutcome.Stuck(prefix, ops[stuck], value, pending);
    }
}
