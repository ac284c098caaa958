package io.keelraft.testkit.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Linearizability straight from the definition, for small histories: try every order of the operations
 * that respects real time, over the whole key-value map at once. No per-key split, no just-in-time
 * linearization, no pruning; only a memo of dead ends (which operations are placed, and the map), so that
 * fifteen-operation histories stay cheap. Too slow for real use; here to cross-check the checker.
 */
final class ExhaustiveOracle {

    private final List<Operation> ops = new ArrayList<>();
    private final boolean[] placed;
    private final Map<String, String> store = new TreeMap<>();
    private final Set<String> deadEnds = new HashSet<>();

    private ExhaustiveOracle(List<Operation> history) {
        for (Operation op : history) {
            if (op.outcome() != Outcome.FAIL) {
                ops.add(op);
            }
        }
        placed = new boolean[ops.size()];
    }

    static boolean linearizable(List<Operation> history) {
        return new ExhaustiveOracle(history).extend();
    }

    /** Whether the order placed so far can be extended to cover every successful operation. */
    private boolean extend() {
        boolean allOkPlaced = true;
        for (int i = 0; i < ops.size(); i++) {
            allOkPlaced &= placed[i] || ops.get(i).outcome() != Outcome.OK;
        }
        if (allOkPlaced) {
            return true; // unknown operations left over simply never took effect
        }
        String configuration = Arrays.toString(placed) + store;
        if (deadEnds.contains(configuration)) {
            return false;
        }
        for (int i = 0; i < ops.size(); i++) {
            Operation op = ops.get(i);
            if (placed[i] || mustWaitFor(op) || op.outcome() == Outcome.OK
                    && !op.command().accepts(store.get(op.key()), op.result())) {
                continue;
            }
            String before = store.get(op.key());
            placed[i] = true;
            put(op.key(), op.command().apply(before));
            boolean extended = extend();
            placed[i] = false;
            put(op.key(), before);
            if (extended) {
                return true;
            }
        }
        deadEnds.add(configuration);
        return false;
    }

    /** Whether some unplaced operation completed strictly before {@code op} was invoked. */
    private boolean mustWaitFor(Operation op) {
        for (int j = 0; j < ops.size(); j++) {
            if (!placed[j] && ops.get(j).completeTime() < op.invokeTime()) {
                return true;
            }
        }
        return false;
    }

    private void put(String key, String value) {
        if (value == null) {
            store.remove(key);
        } else {
            store.put(key, value);
        }
    }
}
