package io.keelraft.faults;

import io.keelraft.testkit.linearizability.Command;
import io.keelraft.testkit.linearizability.Operation;
import io.keelraft.testkit.linearizability.Outcome;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * No acknowledged write is lost: every SET or CAS the server acknowledged either left the final value of its key,
 * or another write to that key that may have come after it (acknowledged or of unknown outcome, and not completed
 * before it was invoked) overwrote it. A simpler, independent cross-check of what the linearizability checker
 * also proves, with a message that names the lost write.
 */
public final class AcknowledgedWrites {

    private AcknowledgedWrites() {
    }

    /** One line per lost write; empty when none is lost. */
    public static List<String> lost(Collection<Operation> history, Map<String, String> finalValues) {
        List<Operation> writes = history.stream().filter(op -> written(op) != null && op.outcome() != Outcome.FAIL)
                .toList();
        List<String> lost = new ArrayList<>();
        for (Operation w : writes) {
            if (w.outcome() != Outcome.OK) {
                continue;
            }
            String finalValue = finalValues.get(w.key());
            if (Objects.equals(finalValue, written(w))) {
                continue;
            }
            boolean overwritten = writes.stream().anyMatch(later -> later.id() != w.id()
                    && later.key().equals(w.key()) && later.completeTime() >= w.invokeTime());
            if (!overwritten) {
                lost.add("acknowledged write lost: " + w + " but the final value of " + w.key() + " is "
                        + Command.show(finalValue) + " and no later write to it was sent");
            }
        }
        return lost;
    }

    /** The value a SET or CAS writes; null for a read. */
    static String written(Operation op) {
        if (op.command() instanceof Command.Put put) {
            return put.value();
        }
        if (op.command() instanceof Command.Cas cas) {
            return cas.update();
        }
        return null;
    }
}
