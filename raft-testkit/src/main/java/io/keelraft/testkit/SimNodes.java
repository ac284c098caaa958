package io.keelraft.testkit;

import io.keelraft.core.Role;
import io.keelraft.core.protocol.RaftProtocol;
import java.util.List;

/** Questions about a run's servers as a whole, asked by the fault schedules and the liveness probe. */
final class SimNodes {

    private SimNodes() {
    }

    /** The up server that leads the highest term, or null when no server leads. */
    static SimNode leaderOf(List<SimNode> nodes) {
        SimNode best = null;
        for (SimNode n : nodes) {
            RaftProtocol p = n.protocol();
            if (p != null && p.role() == Role.LEADER && (best == null || p.currentTerm() > best.protocol().currentTerm())) {
                best = n;
            }
        }
        return best;
    }
}
