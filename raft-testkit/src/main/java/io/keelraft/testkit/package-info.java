/**
 * Deterministic simulation of Keel clusters in virtual time.
 *
 * <p>{@link io.keelraft.testkit.Simulation} runs N {@link io.keelraft.core.protocol.RaftProtocol} instances
 * over a simulated network (delays, reordering, loss, duplication, partitions) and simulated disks (writes
 * complete in order after a delay; a crash loses the writes still in progress), with a client proposing
 * commands and issuing linearizable reads, and a fault schedule drawn from the seed. After every event it checks
 * the safety properties of the Raft paper (Figure 3) and linearizable reads; at the end it heals everything and
 * checks liveness. One seed names one run exactly: a failure ({@link io.keelraft.testkit.SafetyViolation},
 * {@link io.keelraft.testkit.LivenessViolation}) prints the seed, the command that reruns it, and the run's last
 * events. {@link io.keelraft.testkit.SeedSweep} runs many seeds on several threads.
 *
 * <table>
 *   <caption>Classes, one idea each</caption>
 *   <tr><td>{@code Simulation}, {@code SimulationOptions}, {@code SimulationResult}, {@code SeedSweep}</td>
 *       <td>the public entry points</td></tr>
 *   <tr><td>{@code EventQueue}</td><td>actions in (virtual time, sequence) order</td></tr>
 *   <tr><td>{@code SimNode}</td><td>one server: drives its protocol through the {@code Ready} contract</td></tr>
 *   <tr><td>{@code SimDisk}, {@code SimDurableLog}</td><td>durable term, vote and log; FIFO writes lost on a
 *       crash</td></tr>
 *   <tr><td>{@code SimStateMachine}</td><td>the volatile state machine, rebuilt from the log after a restart</td></tr>
 *   <tr><td>{@code SimNetwork}</td><td>delays, loss, duplication, one-way cuts</td></tr>
 *   <tr><td>{@code SimClient}</td><td>proposals and reads sent to the believed leader</td></tr>
 *   <tr><td>{@code Nemesis}, {@code Figure8Scenario}</td><td>the fault schedule</td></tr>
 *   <tr><td>{@code Invariants} and {@code ElectionSafety}, {@code LeaderAppendOnly}, {@code LogMatching},
 *       {@code LeaderCompleteness}, {@code StateMachineSafety}, {@code LinearizableReads}</td>
 *       <td>the incremental safety checkers</td></tr>
 *   <tr><td>{@code LivenessProbe}</td><td>the end-of-run liveness check</td></tr>
 *   <tr><td>{@code EventTrace}</td><td>recent events, milestones, event count and run hash</td></tr>
 * </table>
 */
package io.keelraft.testkit;
