package io.keelraft.testkit;

/**
 * What a passing run did. Two runs of one seed with the same options produce equal results.
 *
 * @param seed               the run's seed
 * @param clusterSize        number of servers
 * @param virtualMillis      virtual time when the run ended
 * @param events             events the simulator executed (ticks, deliveries, disk completions, faults…)
 * @param traceHash          hash of every traced event, in order
 * @param stateHash          hash of every server's durable term, vote and log at the end
 * @param elections          terms that had a leader
 * @param leaderChanges      elections after the first one
 * @param faultEpisodes      fault episodes the schedule started
 * @param crashes            server crashes
 * @param committedIndex     highest index applied by any server
 * @param proposalsAccepted  client proposals a leader accepted (not all of them commit)
 * @param readsServed        linearizable reads served
 * @param messagesSent       messages handed to the network
 * @param messagesLost       messages lost to cut links or random loss
 * @param malformedDropped   messages the protocol dropped as malformed (a well-behaved cluster sends none)
 * @param snapshotsTaken     snapshots servers took of their own state machines
 * @param snapshotsSent      InstallSnapshot messages leaders sent
 * @param snapshotsInstalled leader snapshots followers restored (discarding their logs)
 * @param compactions        log compactions that completed on disk
 * @param membershipChanges  configuration changes leaders accepted (each goes through joint consensus when
 *                           it changes voters)
 * @param leaderRemovals     accepted changes that removed or demoted the leader making them
 * @param membershipRefused  changes and transfers refused because one was in progress
 * @param transfers          leadership transfers started
 * @param transfersWon       transfers whose target became the next leader
 * @param entryFetches       entries read off the raft loop for lagging followers (Ready.entriesToFetch)
 */
public record SimulationResult(long seed, int clusterSize, long virtualMillis, long events, long traceHash,
                               long stateHash, int elections, int leaderChanges, long faultEpisodes, long crashes,
                               long committedIndex, long proposalsAccepted, long readsServed, long messagesSent,
                               long messagesLost, long malformedDropped, long snapshotsTaken, long snapshotsSent,
                               long snapshotsInstalled, long compactions, long membershipChanges,
                               long leaderRemovals, long membershipRefused, long transfers, long transfersWon,
                               long entryFetches) {
}
