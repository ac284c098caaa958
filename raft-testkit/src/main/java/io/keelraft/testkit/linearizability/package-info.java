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
 * memoization and just-in-time linearization, run per key, plus pruning that keeps operations of unknown
 * outcome affordable.
 *
 * <p>Recording well:
 * <ul>
 *   <li>Write values no other write uses, and append bracketed unique tokens ({@code <c3.17>}). A value read
 *       then names the writes it saw, which keeps the search near-linear and the reports readable; repeated
 *       values can make it exponential.</li>
 *   <li>Mark an operation unknown only when the client truly cannot know: each one may take effect at any
 *       later point, which the search must consider. Sessions that retry until a definite answer help.</li>
 *   <li>A CAS the store answers with "no swap" definitely changed nothing: record it with {@code fail}.</li>
 *   <li>Use one clock for all clients; operations whose intervals merely touch count as concurrent.</li>
 * </ul>
 */
package io.keelraft.testkit.linearizability;
