package io.keelraft.testkit;

/**
 * One of Raft's safety properties (paper Figure 3, plus linearizable reads, thesis §6.4) does not hold in a
 * simulated run.
 */
public final class SafetyViolation extends SimulationFailure {

    SafetyViolation(String property, String details) {
        super(property, details, null, null);
    }

    SafetyViolation(String property, String details, Throwable cause) {
        super(property, details, null, cause);
    }

    private SafetyViolation(String property, String details, RunContext context, Throwable cause) {
        super(property, details, context, cause);
    }

    @Override
    SafetyViolation in(RunContext context) {
        SafetyViolation v = new SafetyViolation(property(), details(), context, getCause());
        v.setStackTrace(getStackTrace());
        return v;
    }
}
