package io.keelraft.testkit;

import java.util.HashMap;
import java.util.Map;

/** Paper Figure 3, Election Safety: at most one leader can be elected in a given term. */
final class ElectionSafety {

    static final String PROPERTY = "Election Safety";

    private final Map<Long, String> leaderOfTerm = new HashMap<>();

    /**
     * Records that {@code id} acts as leader of {@code term}.
     *
     * @return true when this is the first leader seen for the term (a new election was won)
     */
    boolean leaderObserved(long term, String id) {
        String earlier = leaderOfTerm.putIfAbsent(term, id);
        if (earlier != null && !earlier.equals(id)) {
            throw new SafetyViolation(PROPERTY, "both " + earlier + " and " + id + " were leader of term " + term);
        }
        return earlier == null;
    }

    /** Number of terms that had a leader. */
    int electedTerms() {
        return leaderOfTerm.size();
    }
}
