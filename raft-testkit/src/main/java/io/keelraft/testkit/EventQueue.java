package io.keelraft.testkit;

import java.util.PriorityQueue;

/**
 * The simulator's agenda: actions to run at virtual times, taken in (time, sequence) order so that two
 * actions due at the same millisecond always run in the order they were scheduled. Together with the single
 * seeded random source this is what makes a run a pure function of its seed.
 */
final class EventQueue {

    private record Scheduled(long time, long seq, Runnable action) implements Comparable<Scheduled> {
        @Override
        public int compareTo(Scheduled o) {
            int byTime = Long.compare(time, o.time);
            return byTime != 0 ? byTime : Long.compare(seq, o.seq);
        }
    }

    private final PriorityQueue<Scheduled> agenda = new PriorityQueue<>();
    private long now;
    private long nextSeq;
    private long executed;

    /** Current virtual time in milliseconds. */
    long now() {
        return now;
    }

    /** Number of actions run so far. */
    long executed() {
        return executed;
    }

    /** Runs {@code action} {@code delayMillis} from now (0 = after everything already due now). */
    void after(long delayMillis, Runnable action) {
        at(now + Math.max(0, delayMillis), action);
    }

    /** Runs {@code action} at virtual time {@code time}, never earlier than now. */
    void at(long time, Runnable action) {
        agenda.add(new Scheduled(Math.max(time, now), nextSeq++, action));
    }

    /** Runs the next action if one is due at or before {@code limit}; returns false when none is. */
    boolean runNext(long limit) {
        Scheduled next = agenda.peek();
        if (next == null || next.time() > limit) {
            return false;
        }
        agenda.poll();
        now = next.time();
        executed++;
        next.action().run();
        return true;
    }

    /** Moves the clock to {@code time} when nothing is due before it. */
    void advanceTo(long time) {
        now = Math.max(now, time);
    }
}
