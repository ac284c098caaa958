/**
 * A linearizability checker for histories of key-value operations, such as the simulator records while
 * clients run against a replicated state machine under faults.
 *
 * <p>Record with {@link io.keelraft.testkit.linearizability.History} as the run goes (invoke, then ok / fail /
 * unknown), then ask {@link io.keelraft.testkit.linearizability.LinearizabilityChecker} for a
 * {@link io.keelraft.testkit.linearizability.CheckResult}: linearizable, not linearizable with a readable
 * {@link io.keelraft.testkit.linearizability.Violation} per bad key, or unknown when the search budget ran out.
 *
 * <p>The model is a map of independent string registers supporting PUT, GET, APPEND and CAS
 * ({@link io.keelraft.testkit.linearizability.Command}). The search is Wing and Gong's, with Lowe's
 * memoization and just-in-time linearization, run per key.
 */
package io.keelraft.testkit.linearizability;
