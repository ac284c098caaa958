package io.keelraft.core.protocol;

import io.keelraft.core.ClusterConfiguration;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * Majority arithmetic over a configuration. In joint consensus every decision needs a majority of the new
 * voters and a majority of the outgoing voters (thesis §4.3).
 */
final class Quorum {

    /** Outcome of counting votes. */
    enum Tally { WON, LOST, PENDING }

    private Quorum() {
    }

    /** The highest value that a majority of voters have reached (e.g. the highest index stored on a majority). */
    static long agreedValue(ClusterConfiguration config, ToLongFunction<String> valueOf) {
        long agreed = majorityValue(config.voters(), valueOf);
        if (config.isJoint()) {
            agreed = Math.min(agreed, majorityValue(config.outgoingVoters(), valueOf));
        }
        return agreed;
    }

    private static long majorityValue(Set<String> voters, ToLongFunction<String> valueOf) {
        long[] values = new long[voters.size()];
        int i = 0;
        for (String v : voters) {
            values[i++] = valueOf.applyAsLong(v);
        }
        Arrays.sort(values);
        // With n values sorted ascending, the (n/2+1)-th largest is held by a majority.
        return values[values.length - (values.length / 2 + 1)];
    }

    /** Counts votes: {@code granted}/{@code rejected} say which voters answered how. */
    static Tally tally(ClusterConfiguration config, Predicate<String> granted, Predicate<String> rejected) {
        Tally incoming = tally(config.voters(), granted, rejected);
        if (!config.isJoint()) {
            return incoming;
        }
        Tally outgoing = tally(config.outgoingVoters(), granted, rejected);
        if (incoming == Tally.LOST || outgoing == Tally.LOST) {
            return Tally.LOST;
        }
        return incoming == Tally.WON && outgoing == Tally.WON ? Tally.WON : Tally.PENDING;
    }

    private static Tally tally(Set<String> voters, Predicate<String> granted, Predicate<String> rejected) {
        int yes = 0;
        int no = 0;
        for (String v : voters) {
            if (granted.test(v)) {
                yes++;
            } else if (rejected.test(v)) {
                no++;
            }
        }
        int majority = voters.size() / 2 + 1;
        if (yes >= majority) {
            return Tally.WON;
        }
        return voters.size() - no < majority ? Tally.LOST : Tally.PENDING;
    }
}
