package io.keelraft.core.protocol;

import io.keelraft.core.RaftOptions;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state every role of one server shares (paper Figure 2's persistent and volatile state, the election timer)
 * and the output collected for the next {@link Ready}. The roles ({@link Follower}, {@link Candidate},
 * {@link Leader}) and the leader's parts ({@link Replication}, {@link Reads}, {@link LeadershipTransfer},
 * {@link ConfigurationChange}) read and write it; {@link RaftProtocol} alone decides which role steps.
 */
final class RaftState {

    /** One logger for the whole protocol, as callers configure it by {@link RaftProtocol}'s name. */
    private static final Logger LOG = LoggerFactory.getLogger(RaftProtocol.class);

    final RaftOptions config;
    final String id;
    /** The only source of randomness: election timeouts (paper §5.2). */
    final RandomGenerator random;
    final RaftLog log;
    /** Configurations found in the log; the latest is in force, committed or not (thesis §4.1). */
    final ConfigurationLog configurations;
    /** Written into the first log entry by the first leader of a new cluster; see identifyNewCluster. */
    byte[] newClusterId;

    // Persistent state (paper Figure 2), durable before any message that depends on it leaves.
    /** Never decreases; at least the term of the last log entry (see the constructor). */
    long currentTerm;
    /** The candidate this server voted for in currentTerm, or null; reset whenever currentTerm grows. */
    String votedFor;
    /** The term and vote last handed out in a Ready: a Ready carries them again only when they differ. */
    HardState handedOutHardState;
    /** The newest term and vote the driver reported durable. */
    HardState durableHardState;
    /** The role, term and leader last handed out in a Ready (at first: at construction). */
    SoftState handedOutSoftState;

    // Volatile state.
    Role role = Role.FOLLOWER;
    /** The leader of currentTerm as far as this server knows, or null; this server's id while it leads. */
    String leaderId;
    /** Ticks since the election timer was reset (a follower heard from the leader, a vote was granted...). */
    int electionElapsed;
    /** Paper §5.2: drawn from [T, 2T) at every reset of the timer, so split votes are rare. */
    int randomizedElectionTimeout;
    /** Logical time: ticks since this instance started. */
    long ticks;
    /**
     * A server restarted with a term may have acknowledged a leader's heartbeat just before it crashed, and so be
     * part of that leader's lease; it has forgotten when. It honours such a lease for one election timeout after
     * restart (thesis §4.2.3, §6.4.1): without this, a restarted follower could elect a new leader while the old
     * one still serves lease reads.
     */
    final boolean restartedWithTerm;
    /**
     * True from {@link RaftProtocol#storageFailed} until {@link RaftProtocol#storageRecovered}: this server can
     * make nothing durable, so it hands out no entries to persist, acknowledges nothing, does not campaign, and
     * does not lead.
     */
    boolean storageFailing;

    /** The newest durable snapshot the driver holds, sent to followers that need compacted entries. */
    SnapshotMeta latestSnapshot;
    /** A snapshot received from the leader, for the next Ready: the driver restores it. */
    SnapshotMeta snapshotToRestore;

    // Output collected for the next Ready.
    /** Messages that depend only on durable state: they leave at once (thesis §10.2.1). */
    final List<Message> messages = new ArrayList<>();
    /** Votes, terms and acknowledgements: they leave only once this Ready's writes are durable. */
    final List<Message> messagesAfterPersist = new ArrayList<>();
    final List<ReadState> readStates = new ArrayList<>();
    final List<Long> abortedReads = new ArrayList<>();
    /** Entries for lagging followers to be read off the loop (a leader's, see EntryFetch). */
    final List<EntryFetch> fetches = new ArrayList<>();

    long droppedMessages;
    long strangerMessages;

    RaftState(String id, RaftOptions config, ClusterConfiguration bootstrap, HardState hardState, DurableLog log,
              long appliedIndex, RandomGenerator random) {
        this.config = Objects.requireNonNull(config, "config");
        this.id = Objects.requireNonNull(id, "id");
        if (id.isBlank()) {
            throw new IllegalArgumentException("id must not be blank");
        }
        this.random = Objects.requireNonNull(random, "random");
        Objects.requireNonNull(bootstrap, "bootstrap");
        Objects.requireNonNull(hardState, "hardState");
        this.log = new RaftLog(Objects.requireNonNull(log, "log"), appliedIndex);
        this.configurations = new ConfigurationLog(log.snapshotIndex(), bootstrap);
        for (long next = log.snapshotIndex() + 1; next <= log.lastIndex(); ) {
            List<LogEntry> chunk = log.entries(next, log.lastIndex() + 1, 4L << 20);
            configurations.appended(chunk);
            next += chunk.size();
        }
        // Thesis §4.1: a committed configuration supersedes the earlier ones, as when commitIndex advances. On
        // restart commitIndex starts at the applied index, and the log may keep entries before it (trailing entries
        // of a snapshot): without this, a configuration superseded long ago (a joint one that still names a server
        // removed since) would count again until the next commit, and that removed server would campaign.
        configurations.committed(this.log.commitIndex());
        this.currentTerm = hardState.currentTerm();
        this.votedFor = hardState.votedFor();
        this.handedOutHardState = hardState;
        this.durableHardState = hardState;
        long lastLogTerm = this.log.lastTerm();
        if (lastLogTerm > currentTerm) {
            // The log (or the snapshot under it) holds a term the durable hard state never reached: a crash fell
            // between a leader's snapshot becoming durable (it is written before its InstallSnapshot is stepped)
            // and the adoption of the leader's term. Holding an entry of a term means having seen that term, and
            // no vote in it was ever durable (a vote is saved with its term), so the server resumes in it with no
            // vote; the next Ready saves that. Staying behind, it would campaign with a last log term above its
            // campaign term, which every voter refuses as malformed (seen in the simulation).
            LOG.warn("{} restarts in term {}, the term of its last log entry or snapshot; its saved term was {}", id,
                    lastLogTerm, currentTerm);
            this.currentTerm = lastLogTerm;
            this.votedFor = null;
        }
        this.restartedWithTerm = currentTerm > 0;
        this.handedOutSoftState = softState();
        resetElectionTimer();
    }

    void resetElectionTimer() {
        electionElapsed = 0;
        // Paper §5.2: randomized timeouts make split votes rare; drawn from [T, 2T).
        randomizedElectionTimeout = config.electionTimeoutTicks() + random.nextInt(config.electionTimeoutTicks());
    }

    /**
     * A server that votes in no configuration it knows of (a learner, a server being added, a removed server
     * that learned of its removal) never campaigns (thesis §4.2.1, §4.2.2); nor does one whose disk fails.
     */
    boolean promotable() {
        return configurations.isVoterInAny(id) && !storageFailing;
    }

    /** True when the configuration in force is committed, as far as this server knows. */
    boolean configurationCommitted() {
        return configurations.activeIndex() <= log.commitIndex();
    }

    SoftState softState() {
        return new SoftState(role, currentTerm, leaderId);
    }

    /** True when the role, the term or the known leader differs from what the last Ready said. */
    boolean softStateChanged() {
        return role != handedOutSoftState.role() || currentTerm != handedOutSoftState.term()
                || !Objects.equals(leaderId, handedOutSoftState.leaderId());
    }

    boolean hardStateChanged() {
        return currentTerm != handedOutHardState.currentTerm()
                || !Objects.equals(votedFor, handedOutHardState.votedFor());
    }

    /** Sends {@code m} with the next Ready, at once: it depends on nothing that is not durable yet. */
    void send(Message m) {
        messages.add(m);
    }

    /** Sends {@code m} once the writes of the next Ready (and every earlier one) are durable. */
    void sendAfterPersist(Message m) {
        messagesAfterPersist.add(m);
    }

    void drop(Message m, String why) {
        droppedMessages++;
        LOG.warn("{} dropped {} from {}: {}", id, m == null ? "null message" : m.getClass().getSimpleName(),
                m == null ? "?" : m.from(), why);
    }
}
