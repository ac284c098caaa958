package io.keelraft.testkit.linearizability;

import java.util.Objects;

/**
 * One client operation in a history: what was asked, when, and how it ended. Times are any monotonic
 * counter shared by all clients (the simulator's virtual nanoseconds). Two operations are ordered only when
 * one completed strictly before the other was invoked; equal times count as concurrent.
 *
 * @param id           unique within a history; assigned by {@link History#invoke}
 * @param client       the client that issued it
 * @param command      what was asked
 * @param invokeTime   when the client sent it
 * @param completeTime when the client learned the outcome; {@link #NEVER} for {@link Outcome#UNKNOWN}
 * @param outcome      how it ended
 * @param result       for a successful {@code GET}, the value read ({@code null}: absent); otherwise ignored
 */
public record Operation(long id, int client, Command command, long invokeTime, long completeTime, Outcome outcome,
                        String result) {

    /** The completion time of an operation whose outcome is unknown: it may take effect at any later time. */
    public static final long NEVER = Long.MAX_VALUE;

    public Operation {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(outcome, "outcome");
        if (outcome == Outcome.UNKNOWN) {
            if (completeTime != NEVER) {
                throw new IllegalArgumentException("an UNKNOWN operation has no completion time: " + completeTime);
            }
        } else if (completeTime < invokeTime || completeTime == NEVER) {
            throw new IllegalArgumentException(
                    "completion " + completeTime + " must be a real time not before invocation " + invokeTime);
        }
    }

    /** The key the operation touches. */
    public String key() {
        return command.key();
    }

    /** The same operation with its outcome unknown, as if its client were still waiting. */
    Operation asUnknown() {
        return new Operation(id, client, command, invokeTime, NEVER, Outcome.UNKNOWN, null);
    }

    /** Reads like {@code #17 c2 GET x -> "1" [1200, 1450] OK}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder().append('#').append(id).append(" c").append(client).append(' ')
                .append(command);
        if (outcome == Outcome.OK && command.readOnly()) {
            s.append(" -> ").append(Command.show(result));
        }
        s.append(" [").append(invokeTime).append(", ")
                .append(completeTime == NEVER ? "inf" : Long.toString(completeTime)).append("] ").append(outcome);
        return s.toString();
    }
}
