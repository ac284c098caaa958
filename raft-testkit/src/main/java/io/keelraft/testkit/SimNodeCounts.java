package io.keelraft.testkit;

/**
 * What one simulated server did over all its lives, summed into the run's {@link SimulationResult}.
 *
 * @param readsServed        linearizable reads it served
 * @param crashes            times it crashed
 * @param snapshotsTaken     snapshots it took of its own state machine
 * @param snapshotsSent      InstallSnapshot messages it sent as leader
 * @param snapshotsInstalled leader snapshots it restored its state machine from (discarding its log)
 * @param compactions        log compactions that completed on its disk
 * @param fetches            EntryFetches it served (reads off the raft loop, for a lagging follower or to apply)
 */
record SimNodeCounts(long readsServed, long crashes, long snapshotsTaken, long snapshotsSent, long snapshotsInstalled,
                     long compactions, long fetches) {
}
