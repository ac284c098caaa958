package io.keelraft.testkit;

import java.util.Map;
import java.util.TreeMap;

/**
 * Checks, on every user future the node simulation sees complete, the runtime's promise that user futures never
 * complete on the raft loop ({@code RaftNode}'s Javadoc): a completion running in the "raft" lane of a
 * {@link VirtualScheduler} is a violation. In virtual time every future is returned before any lane runs, so the
 * callback registered on it always runs on the completing lane.
 */
final class FutureLanes {

    /** One simulation runs on one thread. */
    private static final ThreadLocal<FutureLanes> CURRENT = new ThreadLocal<>();

    private final Map<String, Long> completed = new TreeMap<>();
    private String violation;

    /** Starts checking the simulation that runs on this thread. */
    static FutureLanes begin() {
        FutureLanes lanes = new FutureLanes();
        CURRENT.set(lanes);
        return lanes;
    }

    /** Stops checking on this thread. */
    static void end() {
        CURRENT.remove();
    }

    /** To be called first thing in the completion callback of a user future of {@code kind}. */
    static void completed(String kind) {
        FutureLanes lanes = CURRENT.get();
        if (lanes == null) {
            return;
        }
        lanes.completed.merge(kind, 1L, Long::sum);
        String lane = VirtualScheduler.runningLane();
        if ("raft".equals(lane) && lanes.violation == null) {
            lanes.violation = "a " + kind + " future completed on the raft loop";
        }
    }

    /** The first violation seen, or null. */
    String violation() {
        return violation;
    }

    /** How many futures of each kind completed. */
    Map<String, Long> completedByKind() {
        return new TreeMap<>(completed);
    }
}
