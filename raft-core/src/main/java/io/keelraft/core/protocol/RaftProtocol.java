package io.keelraft.core.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft consensus algorithm as a pure, deterministic state machine (paper Figure 2, thesis chapters 3, 6,
 * 9 and 10). It never reads a clock, starts a thread or touches a file or socket: the driver feeds it
 * {@link #tick()}s, messages, proposals, reads and durability reports, and after each input drains one
 * {@link Ready} batch of work. Randomness (election timeouts) comes only from the injected generator, so the
 * same inputs always produce the same outputs.
 *
 * <p>Not thread-safe: one thread owns an instance.
 */
public final class RaftProtocol {

    private static final Logger LOG = LoggerFactory.getLogger(RaftProtocol.class);

    private final ProtocolConfig config;
    private final String id;
    /** Written into the first log entry by the first leader of a new cluster; see identifyNewCluster. */
    private byte[] newClusterId;
    private final RandomGenerator random;
    private final RaftLog log;
    private final ConfigurationLog configurations;

    // Persistent state (paper Figure 2), durable before any message that depends on it leaves.
    private long currentTerm;
    private String votedFor;
    private HardState handedOutHardState;

    // Volatile state.
    private Role role = Role.FOLLOWER;
    private String leaderId;
    private int electionElapsed;
    /** Logical time: ticks since this instance started. */
    private long ticks;
    /** Leader: the start tick of the latest heartbeat round a majority acknowledged (thesis §6.4.1 lease). */
    private long leaseStartTick = Long.MIN_VALUE;
    /**
     * A server restarted with a term may have acknowledged a leader's heartbeat just before it crashed, and so be
     * part of that leader's lease; it has forgotten when. It honours such a lease for one election timeout after
     * restart (thesis §4.2.3, §6.4.1): without this, a restarted follower could elect a new leader while the old
     * one still serves lease reads.
     */
    private final boolean restartedWithTerm;
    private int randomizedElectionTimeout;
    private int heartbeatElapsed;

    // Candidate state: who answered how in the current (pre-)election.
    private final Map<String, Boolean> votes = new TreeMap<>();

    // Leader state (reinitialized after election, paper Figure 2).
    private final Map<String, ReplicationProgress> progress = new TreeMap<>();
    private ReadIndexQueue reads = new ReadIndexQueue();
    private boolean newEntriesToReplicate;
    private boolean commitToAnnounce;
    /** Leader ticks during which its own writes were outstanding and none completed. */
    private int diskStalledTicks;
    /**
     * True from {@link #storageFailed} until {@link #storageRecovered}: this server can make nothing durable, so
     * it hands out no entries to persist, acknowledges nothing, does not campaign, and does not lead.
     */
    private boolean storageFailing;
    private long durableIndexAtLastTick;
    /** Leader: the server leadership is being handed to (thesis §3.10), or null. Proposals wait meanwhile. */
    private String leadTransferee;
    /** Leader ticks since the transfer started; it aborts after an election timeout. */
    private int transferElapsed;
    /**
     * Leader: a TimeoutNow left in this term. Voters answer the transferee's RequestVote even while they hear
     * from this leader, so from then on this leader can no longer rely on its lease for reads.
     */
    private boolean timeoutNowSent;
    /** The newest term and vote the driver reported durable. */
    private HardState durableHardState;

    // Output collected for the next Ready.
    private final List<Message> messages = new ArrayList<>();
    private final List<Message> messagesAfterPersist = new ArrayList<>();
    /** The newest durable snapshot the driver holds, sent to followers that need compacted entries. */
    private SnapshotMeta latestSnapshot;
    /** A snapshot received from the leader, for the next Ready: the driver restores it. */
    private SnapshotMeta snapshotToRestore;
    private final List<ReadState> readStates = new ArrayList<>();
    private final List<Long> abortedReads = new ArrayList<>();

    private long droppedMessages;
    private long strangerMessages;

    /**
     * Restores a server from its durable state.
     *
     * @param config       tuning and this server's id
     * @param bootstrap    the configuration in force at the log's base (the initial cluster, or the one recorded
     *                     with the snapshot the log starts after); configuration entries in the log override it
     * @param hardState    the persisted term and vote ({@link HardState#INITIAL} for a new server)
     * @param log          the durable log
     * @param appliedIndex the highest index the state machine has already applied; committed entries after it
     *                     are handed out again
     * @param random       the only source of randomness (election timeouts)
     */
    public RaftProtocol(ProtocolConfig config, ClusterConfiguration bootstrap, HardState hardState,
                        DurableLog log, long appliedIndex, RandomGenerator random) {
        this.config = Objects.requireNonNull(config, "config");
        this.id = config.id();
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
        resetElectionTimer();
    }

    // ---------------------------------------------------------------- inputs

    /** Advances logical time by one tick: election timeouts, heartbeats, CheckQuorum. */
    public void tick() {
        ticks++;
        if (role == Role.LEADER) {
            tickLeader();
            return;
        }
        // A server that votes in no configuration it knows of (a learner, a server being added, a removed server
        // that learned of its removal) never campaigns (thesis §4.2.1, §4.2.2).
        electionElapsed++;
        if (electionElapsed >= randomizedElectionTimeout && promotable()) {
            campaign();
        }
    }

    /** Takes a message from a peer. Malformed or misaddressed messages are dropped and counted. */
    public void step(Message m) {
        String problem = MessageValidator.problem(m, id, configurations.knownServers());
        if (problem != null) {
            drop(m, problem);
            return;
        }
        if (MessageValidator.fromStranger(m, configurations.knownServers()) && !(m instanceof Message.RequestVote rv
                && log.isUpToDate(rv.lastLogIndex(), rv.lastLogTerm())) && !fromDepartingLeader(m)) {
            // A removed server that has not learned it lacks the entries that removed it, so its log is behind
            // and it is ignored without adopting its term (thesis §4.2.3). A stranger whose log is at least as
            // up to date may be a candidate of a configuration this server has not received: it may need our vote.
            strangerMessages++;
            LOG.debug("{} ignored {} from {}, which is in no configuration it knows", id,
                    m.getClass().getSimpleName(), m.from());
            return;
        }
        if (m.term() > currentTerm) {
            if (m instanceof Message.RequestVote rv) {
                if (inLeaderLease() && !rv.transfer()) {
                    // Thesis §4.2.3: a server that heard from a leader within the minimum election timeout
                    // ignores disruptive vote requests; it neither adopts the term nor votes.
                    if (rv.preVote()) {
                        respondVote(rv, false);
                    }
                    return;
                }
                if (!rv.preVote()) {
                    becomeFollower(m.term(), null);
                }
            } else if (!(m instanceof Message.RequestVoteResponse r && r.preVote() && r.granted())) {
                // Paper §5.1: a higher term means this server is out of date.
                boolean fromLeader = m instanceof Message.AppendEntries || m instanceof Message.InstallSnapshot
                        || m instanceof Message.TimeoutNow;
                becomeFollower(m.term(), fromLeader ? m.from() : null);
            }
        } else if (m.term() < currentTerm) {
            // Paper §5.1: reject stale requests, telling the sender the current term; ignore stale responses.
            if (m instanceof Message.AppendEntries ae) {
                sendAfterPersist(new Message.AppendEntriesResponse(currentTerm, id, ae.from(), false, 0,
                        ae.prevLogIndex(), 0, 0, ae.readSeq()));
            } else if (m instanceof Message.InstallSnapshot is) {
                sendAfterPersist(new Message.AppendEntriesResponse(currentTerm, id, is.from(), false, 0, 0, 0, 0,
                        0));
            } else if (m instanceof Message.RequestVote rv) {
                respondVote(rv, false);
            }
            return;
        }
        if (m instanceof Message.RequestVote rv) {
            handleRequestVote(rv);
        } else if (m instanceof Message.RequestVoteResponse r) {
            handleVoteResponse(r);
        } else if (m instanceof Message.AppendEntries ae) {
            handleAppendEntries(ae);
        } else if (m instanceof Message.AppendEntriesResponse r) {
            handleAppendEntriesResponse(r);
        } else if (m instanceof Message.InstallSnapshot is) {
            handleInstallSnapshot(is);
        } else if (m instanceof Message.TimeoutNow tn) {
            handleTimeoutNow(tn);
        }
    }

    /**
     * The driver holds a durable snapshot described by {@code snapshot} (taken by this server, or installed
     * from a leader); a leader sends it to followers whose next entry is compacted away. Call it at start for
     * the newest snapshot on disk, and after each new one — always before compacting the log past it.
     *
     * @throws IllegalArgumentException when the snapshot is beyond commitIndex (only applied state is snapshotted)
     */
    public void snapshotAvailable(SnapshotMeta snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        if (snapshot.index() > log.commitIndex()) {
            throw new IllegalArgumentException("snapshot at " + snapshot.index() + " is beyond commitIndex "
                    + log.commitIndex());
        }
        if (latestSnapshot == null || snapshot.index() > latestSnapshot.index()) {
            latestSnapshot = snapshot;
        }
    }

    /** The newest snapshot the driver reported, or null. */
    public SnapshotMeta latestSnapshot() {
        return latestSnapshot;
    }

    /** The driver could not deliver the snapshot to {@code peer}: it will be probed (and sent one) again. */
    public void snapshotSendFailed(String peer) {
        ReplicationProgress pr = progress.get(peer);
        if (role == Role.LEADER && pr != null) {
            pr.snapshotFailed();
        }
    }

    /** A chunk of the snapshot reached {@code peer}: the transfer is alive, however long it takes. */
    public void snapshotSendProgressed(String peer) {
        ReplicationProgress pr = progress.get(peer);
        if (role == Role.LEADER && pr != null) {
            pr.snapshotProgressed();
        }
    }

    /**
     * Appends a client command to the leader's log. The command is committed once an entry with the returned
     * index and term is handed out in {@link Ready#committedEntries()}; an entry of another term at that index
     * means the command was lost with a leader change and may be retried.
     */
    public ProposeResult propose(byte[] command) {
        Objects.requireNonNull(command, "command");
        if (role != Role.LEADER) {
            return ProposeResult.notLeader(leaderId);
        }
        if (leadTransferee != null) {
            return ProposeResult.transferring(leadTransferee);
        }
        LogEntry entry = new LogEntry(log.lastIndex() + 1, currentTerm, EntryType.COMMAND, command);
        log.append(List.of(entry));
        newEntriesToReplicate = true;
        return ProposeResult.accepted(entry.index(), entry.term());
    }

    /**
     * Starts a change of the cluster's membership to {@code target} (thesis chapter 4). A change of voters goes
     * through joint consensus (thesis §4.3): this appends C_old,new (voters = the target's, outgoing voters = the
     * current ones, learners = the target's), in which every decision needs a majority of both voter sets; once
     * it is committed the leader appends C_new by itself. A change of learners only is one step. Addresses are
     * the union of the current and the target's (the target's win). The returned index is that of the first
     * entry; the change is complete when {@link #configuration()} is not joint and {@link
     * #configurationCommitted()}.
     *
     * @return the entry's index and term, or a refusal with a leader hint when this server is not the leader
     *         (or is transferring leadership)
     * @throws IllegalArgumentException when the target is joint, has no voters, names a server as both voter
     *                                  and learner, or changes nothing
     * @throws IllegalStateException    when a change is already in progress: the active configuration is joint
     *                                  or not yet committed (one change at a time)
     */
    public ProposeResult changeConfiguration(ClusterConfiguration target) {
        Objects.requireNonNull(target, "target");
        if (target.isJoint()) {
            throw new IllegalArgumentException("the target configuration must not be joint (it names outgoing "
                    + "voters " + target.outgoingVoters() + "); joint consensus is entered and left automatically");
        }
        if (target.voters().isEmpty()) {
            throw new IllegalArgumentException("a configuration needs at least one voter; the target has none");
        }
        for (String learner : target.learners()) {
            if (target.voters().contains(learner)) {
                throw new IllegalArgumentException("server " + learner + " cannot be both voter and learner");
            }
        }
        ClusterConfiguration active = configurations.active();
        if (role != Role.LEADER) {
            return ProposeResult.notLeader(leaderId);
        }
        if (leadTransferee != null) {
            return ProposeResult.transferring(leadTransferee);
        }
        if (active.isJoint()) {
            throw new IllegalStateException("a configuration change is in progress: the joint configuration "
                    + "(voters " + active.voters() + ", outgoing " + active.outgoingVoters() + ") has not been left yet");
        }
        if (configurations.activeIndex() > log.commitIndex()) {
            throw new IllegalStateException("a configuration change is in progress: the configuration at index "
                    + configurations.activeIndex() + " is not committed yet (commitIndex " + log.commitIndex() + ")");
        }
        if (target.voters().equals(active.voters()) && target.learners().equals(active.learners())) {
            throw new IllegalArgumentException("no change: the target has the same voters " + active.voters()
                    + " and learners " + active.learners() + " as the current configuration");
        }
        Map<String, String> addresses = new TreeMap<>(active.addresses());
        addresses.putAll(target.addresses());
        boolean oneStep = target.voters().equals(active.voters());
        ClusterConfiguration next = new ClusterConfiguration(target.voters(), target.learners(),
                oneStep ? Set.of() : active.voters(), addresses);
        LOG.info("{} proposes configuration {} in term {}", id, next, currentTerm);
        LogEntry entry = appendConfiguration(next);
        return ProposeResult.accepted(entry.index(), entry.term());
    }

    /**
     * Starts handing leadership to {@code target} (thesis §3.10): new proposals are refused meanwhile (with the
     * target as leader hint), the target's log is brought up to date, then it gets a {@link Message.TimeoutNow}
     * and campaigns at once. The transfer aborts, and this leader accepts proposals again, if it has not lost
     * leadership within an election timeout. Asking again for the same target while it is in progress is a
     * no-op.
     *
     * @return false when this server is not the leader
     * @throws IllegalArgumentException when {@code target} is this server, not in the configuration, or not a
     *                                  voter of it (a learner, or a voter being removed)
     * @throws IllegalStateException    when a transfer to another server is in progress
     */
    public boolean transferLeadership(String target) {
        Objects.requireNonNull(target, "target");
        ClusterConfiguration active = configurations.active();
        if (target.equals(id)) {
            throw new IllegalArgumentException("cannot transfer leadership to " + id + " itself");
        }
        if (!active.members().contains(target)) {
            throw new IllegalArgumentException("unknown server " + target + ": not in the configuration (voters "
                    + active.voters() + ", learners " + active.learners() + ")");
        }
        if (!active.voters().contains(target)) {
            throw new IllegalArgumentException("server " + target + " is not a voter of the configuration (voters "
                    + active.voters() + "); only a voter can become leader");
        }
        if (role != Role.LEADER) {
            return false;
        }
        if (leadTransferee != null) {
            if (leadTransferee.equals(target)) {
                return true;
            }
            throw new IllegalStateException("a leadership transfer to " + leadTransferee + " is in progress");
        }
        LOG.info("{} transfers leadership to {} in term {}", id, target, currentTerm);
        startTransfer(target);
        return true;
    }

    /** Thesis §3.10: stops taking proposals and sends TimeoutNow once {@code target} holds the last entry. */
    private void startTransfer(String target) {
        leadTransferee = target;
        transferElapsed = 0;
        ReplicationProgress pr = progress.get(target);
        if (pr.matchIndex() == log.lastIndex()) {
            sendTimeoutNow(target);
        } else {
            // Catch it up first; its acknowledgement of the last entry triggers the TimeoutNow. Appends in flight
            // may have been lost, and waiting for the stall detection could outlast the transfer's timeout.
            pr.probeFromMatch();
            sendAppend(target, true);
        }
    }

    /** On a leader: the server leadership is being transferred to, or null. */
    public String leadershipTransferee() {
        return leadTransferee;
    }

    /**
     * Starts a linearizable read (thesis §6.4). Returns false when this server is not the leader (see
     * {@link #leaderId()}); otherwise the read later appears in {@link Ready#readStates()} or, if leadership
     * is lost first, in {@link Ready#abortedReads()}.
     */
    public boolean read(long requestId) {
        if (role != Role.LEADER) {
            return false;
        }
        if (log.term(log.commitIndex()) != currentTerm) {
            // Thesis §6.4 step 1: until an entry of this term commits, commitIndex may lag the previous leader's.
            reads.awaitTermCommit(requestId);
        } else {
            reads.add(requestId, log.commitIndex(), ticks);
            confirmReads();
        }
        return true;
    }

    /**
     * A read served under the leader's lease (thesis §6.4.1): when a majority acknowledged a heartbeat round
     * that started less than 90% of an election timeout ago, no other leader can have been elected since
     * (with CheckQuorum, servers ignore votes while they hear from a leader), so the read is safe at once
     * without another round. This assumes clocks run at rates within 10% of each other; without a valid lease
     * it falls back to {@link #read(long)}. Returns false when this server is not the leader.
     */
    public boolean readWithLease(long requestId) {
        if (role != Role.LEADER) {
            return false;
        }
        long leaseTicks = config.electionTimeoutTicks() * 9L / 10;
        boolean leaseValid = config.checkQuorum() && !timeoutNowSent && leaseStartTick != Long.MIN_VALUE
                && ticks - leaseStartTick < leaseTicks;
        if (leaseValid && log.term(log.commitIndex()) == currentTerm) {
            readStates.add(new ReadState(requestId, log.commitIndex()));
            return true;
        }
        return read(requestId);
    }

    /**
     * The driver made {@code hardState} (handed out in a {@link Ready}) durable. A candidate of a one-voter
     * configuration becomes leader only then: drivers must report it.
     */
    public void hardStatePersisted(HardState hardState) {
        Objects.requireNonNull(hardState, "hardState");
        if (hardState.currentTerm() >= durableHardState.currentTerm()) {
            durableHardState = hardState;
        }
        if (role == Role.CANDIDATE && ownVoteDurable() && Boolean.TRUE.equals(votes.get(id)) && votes.size() == 1) {
            countVotesAgain();
        }
    }

    private void countVotesAgain() {
        if (Quorum.tally(configurations.active(), v -> Boolean.TRUE.equals(votes.get(v)),
                v -> Boolean.FALSE.equals(votes.get(v))) == Quorum.Tally.WON) {
            becomeLeader();
        }
    }

    private boolean ownVoteDurable() {
        return durableHardState.currentTerm() == currentTerm && id.equals(durableHardState.votedFor());
    }

    /**
     * The log store failed a write (a full disk, an I/O error) and dropped every append not yet reported durable.
     * Until {@link #storageRecovered}, this server acknowledges nothing (an acknowledgement promises durability,
     * paper Figure 2) and never campaigns; a leader or candidate steps down so that a server with a working disk
     * leads (as for a stalled disk, {@code diskStallTicks}). It keeps following: entries and the commit index
     * still arrive, so committed entries — durable on a majority — are still applied and reads still served.
     */
    public void storageFailed() {
        storageFailing = true;
        log.rewindPersistence();
        messagesAfterPersist.clear(); // acknowledgements of writes that will not happen
        if (role != Role.FOLLOWER) {
            LOG.warn("{} steps down in term {}: its log store failed a write", id, currentTerm);
            becomeFollower(currentTerm, null);
        }
    }

    /** The log store accepts appends again: entries not yet durable are handed out again. */
    public void storageRecovered() {
        storageFailing = false;
        log.rewindPersistence();
    }

    /** True between {@link #storageFailed} and {@link #storageRecovered}. */
    public boolean storageFailing() {
        return storageFailing;
    }

    /** The driver made the entries through {@code index} durable; the entry at {@code index} has {@code term}. */
    public void persisted(long index, long term) {
        if (log.persisted(index, term) && role == Role.LEADER && maybeCommit()) {
            commitToAnnounce = true;
        }
    }

    // ---------------------------------------------------------------- output

    /** True when {@link #ready()} has work to hand out. */
    public boolean hasReady() {
        return hardStateChanged() || (!storageFailing && log.hasEntriesToPersist()) || log.hasEntriesToApply()
                || !messages.isEmpty() || (!storageFailing && !messagesAfterPersist.isEmpty()) || !readStates.isEmpty()
                || !abortedReads.isEmpty() || snapshotToRestore != null
                || (role == Role.LEADER && (newEntriesToReplicate || commitToAnnounce || reads.broadcastNeeded()));
    }

    /** Hands out the work accumulated since the last call; see {@link Ready} for what the driver must do. */
    public Ready ready() {
        if (role == Role.LEADER) {
            flushReplication();
        }
        HardState hardState = null;
        if (hardStateChanged()) {
            hardState = new HardState(currentTerm, votedFor);
            handedOutHardState = hardState;
        }
        if (storageFailing) {
            // Nothing can be made durable, so nothing may be acknowledged: the leader retries, as after a loss.
            messagesAfterPersist.clear();
        }
        Ready ready = new Ready(hardState, storageFailing ? List.of() : log.takeEntriesToPersist(),
                List.copyOf(messages), List.copyOf(messagesAfterPersist),
                log.takeEntriesToApply(config.maxApplyBatchBytes()),
                List.copyOf(readStates), List.copyOf(abortedReads), snapshotToRestore);
        snapshotToRestore = null;
        messages.clear();
        messagesAfterPersist.clear();
        readStates.clear();
        abortedReads.clear();
        return ready;
    }

    // ---------------------------------------------------------------- observers

    public String id() {
        return id;
    }

    public Role role() {
        return role;
    }

    /**
     * The cluster id this server writes into the log's first entry should it be the first leader of a new cluster
     * (an empty log): the runtime passes the configured id, or one it generated. Null: write none.
     */
    public void identifyNewCluster(String clusterId) {
        this.newClusterId = clusterId == null ? null : clusterId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    public long currentTerm() {
        return currentTerm;
    }

    public String votedFor() {
        return votedFor;
    }

    /** The leader of the current term as far as this server knows, or null. */
    public String leaderId() {
        return leaderId;
    }

    public long commitIndex() {
        return log.commitIndex();
    }

    /** Last index of this server's log, durable or not. */
    public long lastIndex() {
        return log.lastIndex();
    }

    public long lastTerm() {
        return log.lastTerm();
    }

    /** Term of the entry at {@code index} in this server's log (durable or not). */
    public long term(long index) {
        return log.term(index);
    }

    /**
     * Term of the entry at {@code index} while this server's log still holds it (the snapshot's last entry
     * included), or 0 when it is compacted away or beyond the last entry.
     */
    public long termIfKnown(long index) {
        return log.hasTerm(index) ? log.term(index) : 0;
    }

    /**
     * Every server of the configurations still in the log that a committed one has not superseded: the one in force
     * and any earlier one not yet followed by a committed configuration. A server removed by a configuration that is
     * not committed yet is among them — it may still be the leader that has to commit its own removal (thesis
     * §4.2.2), so the transport keeps reaching it.
     */
    public Set<String> knownServers() {
        return java.util.Collections.unmodifiableSet(configurations.knownServers());
    }

    /**
     * The servers the transport must keep talking to: {@link #knownServers()} and the leader of the current term
     * if this server knows one. That leader may be in none of them: a leader removed by C_new hands over after
     * C_new is committed (thesis §4.2.2 with §3.10), and must still bring its successor up to date and reach it
     * with TimeoutNow although the followers already know the commit. It is dropped once a new term begins.
     */
    public Set<String> serversToReach() {
        Set<String> known = configurations.knownServers();
        if (leaderId == null || leaderId.equals(id) || known.contains(leaderId)) {
            return java.util.Collections.unmodifiableSet(known);
        }
        Set<String> servers = new java.util.TreeSet<>(known);
        servers.add(leaderId);
        return java.util.Collections.unmodifiableSet(servers);
    }

    /** The configuration in force: the latest in the log (thesis §4.1). */
    public ClusterConfiguration configuration() {
        return configurations.active();
    }

    /** The log index of the configuration in force (the log's base for the bootstrap configuration). */
    public long configurationIndex() {
        return configurations.activeIndex();
    }

    /** True when the configuration in force is committed, as far as this server knows. */
    public boolean configurationCommitted() {
        return configurations.activeIndex() <= log.commitIndex();
    }

    /** On a leader: each follower's matchIndex (paper Figure 2); empty on other servers. */
    public Map<String, Long> matchIndexes() {
        Map<String, Long> out = new TreeMap<>();
        progress.forEach((peer, pr) -> out.put(peer, pr.matchIndex()));
        return out;
    }

    /**
     * How many well-formed messages were ignored because their sender is in no configuration this server knows
     * (removed servers that have not learned it, servers not added yet).
     */
    public long strangerMessages() {
        return strangerMessages;
    }

    /** How many malformed or misaddressed messages were dropped. */
    public long droppedMessages() {
        return droppedMessages;
    }

    @Override
    public String toString() {
        return id + "{" + role + " term=" + currentTerm + " last=" + log.lastIndex() + "@" + log.lastTerm()
                + " commit=" + log.commitIndex() + " leader=" + leaderId + "}";
    }

    // ---------------------------------------------------------------- elections

    private boolean promotable() {
        return configurations.isVoterInAny(id) && !storageFailing;
    }

    private void campaign() {
        if (config.preVote()) {
            becomePreCandidate();
        } else {
            becomeCandidate();
        }
    }

    private void becomePreCandidate() {
        role = Role.PRE_CANDIDATE;
        leaderId = null;
        startVoting(true);
    }

    private void becomeCandidate() {
        becomeCandidate(false);
    }

    /** @param transfer the leader handed over leadership (thesis §3.10): voters bypass the lease check */
    private void becomeCandidate(boolean transfer) {
        currentTerm++;
        votedFor = id;
        role = Role.CANDIDATE;
        leaderId = null;
        LOG.debug("{} campaigns in term {}{}", id, currentTerm, transfer ? " (leadership transfer)" : "");
        startVoting(false, transfer);
    }

    private void startVoting(boolean preVote) {
        startVoting(preVote, false);
    }

    private void startVoting(boolean preVote, boolean transfer) {
        resetElectionTimer();
        votes.clear();
        votes.put(id, true);
        if (countVotes()) {
            return;
        }
        long term = preVote ? currentTerm + 1 : currentTerm;
        ClusterConfiguration c = configurations.active();
        for (String voter : c.members()) {
            if (!voter.equals(id) && c.isVoter(voter)) {
                sendAfterPersist(new Message.RequestVote(term, id, voter, log.lastIndex(), log.lastTerm(), preVote,
                        transfer));
            }
        }
    }

    private void handleRequestVote(Message.RequestVote rv) {
        boolean canVote = rv.from().equals(votedFor)
                || (votedFor == null && leaderId == null)
                || (rv.preVote() && rv.term() > currentTerm);
        // Paper §5.4.1: only vote for a candidate whose log is at least as up-to-date as ours.
        boolean upToDate = log.isUpToDate(rv.lastLogIndex(), rv.lastLogTerm());
        // Whether this vote counts is the candidate's configuration's business: candidates ask and count only
        // their voters, so a learner's vote never decides anything. A server that is a learner in its own log
        // still answers, as it may have been promoted by an entry it has not received yet (like etcd's raft):
        // refusing would leave a cluster whose promoted servers lag unable to elect anyone.
        boolean grant = canVote && upToDate;
        if (grant && !rv.preVote()) {
            votedFor = rv.from();
            electionElapsed = 0;
        }
        respondVote(rv, grant);
    }

    /**
     * A TimeoutNow from the leader of this term that has just removed itself: the commit that made it a stranger
     * reached this server first, yet its hand-over is still the quickest way to a new leader (an election, which
     * still needs the votes of C_new, is all it starts).
     */
    private boolean fromDepartingLeader(Message m) {
        return m instanceof Message.TimeoutNow && m.term() == currentTerm && m.from().equals(leaderId);
    }

    /** Thesis §3.10: the leader handed leadership to this server; campaign now, skipping PreVote. */
    private void handleTimeoutNow(Message.TimeoutNow tn) {
        if (role == Role.LEADER || !promotable()) {
            return;
        }
        LOG.info("{} received TimeoutNow from {} in term {}", id, tn.from(), currentTerm);
        becomeCandidate(true);
    }

    private void respondVote(Message.RequestVote rv, boolean grant) {
        // A granted pre-vote answers in the term asked about, so the pre-candidate can count it (thesis §9.6).
        long term = grant && rv.preVote() ? rv.term() : currentTerm;
        sendAfterPersist(new Message.RequestVoteResponse(term, id, rv.from(), grant, rv.preVote()));
    }

    private void handleVoteResponse(Message.RequestVoteResponse r) {
        boolean counts = (role == Role.PRE_CANDIDATE && r.preVote())
                || (role == Role.CANDIDATE && !r.preVote() && r.term() == currentTerm);
        if (counts) {
            votes.put(r.from(), r.granted());
            countVotes();
        }
    }

    /** Acts on the votes so far; returns true when the election was decided. */
    private boolean countVotes() {
        Quorum.Tally tally = Quorum.tally(configurations.active(),
                v -> Boolean.TRUE.equals(votes.get(v)), v -> Boolean.FALSE.equals(votes.get(v)));
        if (tally == Quorum.Tally.WON) {
            if (role == Role.PRE_CANDIDATE) {
                becomeCandidate();
            } else if (votes.size() == 1 && !ownVoteDurable()) {
                // Won by its own vote alone (a one-voter configuration): until this term and vote are durable a
                // crash could let this server lead the term again, or vote for another, with a different log.
                // hardStatePersisted makes it leader. (Other voters answer RequestVotes that left after persist.)
                LOG.debug("{} won term {} by its own vote; waiting for it to be durable", id, currentTerm);
            } else {
                becomeLeader();
            }
            return true;
        }
        if (tally == Quorum.Tally.LOST) {
            becomeFollower(currentTerm, null);
            return true;
        }
        return false;
    }

    private boolean inLeaderLease() {
        if (!config.checkQuorum()) {
            return false;
        }
        if (restartedWithTerm && ticks < config.electionTimeoutTicks()) {
            return true;
        }
        return leaderId != null && electionElapsed < config.electionTimeoutTicks();
    }

    private void resetElectionTimer() {
        electionElapsed = 0;
        // Paper §5.2: randomized timeouts make split votes rare; drawn from [T, 2T).
        randomizedElectionTimeout = config.electionTimeoutTicks() + random.nextInt(config.electionTimeoutTicks());
    }

    private void becomeFollower(long term, String leader) {
        boolean wasLeader = role == Role.LEADER;
        if (term > currentTerm) {
            currentTerm = term;
            votedFor = null;
        }
        role = Role.FOLLOWER;
        leaderId = leader;
        votes.clear();
        leadTransferee = null;
        timeoutNowSent = false;
        resetElectionTimer();
        if (wasLeader) {
            LOG.info("{} steps down in term {}", id, currentTerm);
            progress.clear();
            reads.abortAll(abortedReads);
            newEntriesToReplicate = false;
            commitToAnnounce = false;
        }
    }

    private void becomeLeader() {
        role = Role.LEADER;
        leaderId = id;
        votes.clear();
        electionElapsed = 0;
        heartbeatElapsed = 0;
        diskStalledTicks = 0;
        durableIndexAtLastTick = log.durableIndex();
        reads = new ReadIndexQueue();
        leaseStartTick = Long.MIN_VALUE;
        leadTransferee = null;
        timeoutNowSent = false;
        progress.clear();
        syncProgress();
        LOG.info("{} became leader in term {} (last index {})", id, currentTerm, log.lastIndex());
        // Paper §8 / thesis §6.4: a no-op of the new term lets earlier-term entries commit and reads proceed.
        // The very first entry of a new cluster also carries its id (ServerIdentity): committed by a majority, it
        // names the cluster for good, and every server applying it learns the id.
        byte[] payload = log.lastIndex() == 0 ? newClusterId : null;
        log.append(List.of(new LogEntry(log.lastIndex() + 1, currentTerm, EntryType.NO_OP, payload)));
        newEntriesToReplicate = true;
        if (maybeCommit()) {
            commitToAnnounce = true;
        }
    }

    // ---------------------------------------------------------------- leader

    private void tickLeader() {
        heartbeatElapsed++;
        electionElapsed++;
        if (electionElapsed >= config.electionTimeoutTicks()) {
            electionElapsed = 0;
            if (config.checkQuorum() && !quorumActive()) {
                // Thesis §6.2: a leader cut off from a majority steps down so clients find the real leader.
                LOG.info("{} lost contact with a majority in term {}", id, currentTerm);
                becomeFollower(currentTerm, null);
                return;
            }
            progress.values().forEach(p -> p.setRecentActive(false));
        }
        if (leadTransferee != null && ++transferElapsed >= config.electionTimeoutTicks()) {
            // Thesis §3.10: the target did not take over within an election timeout; resume normal operation.
            LOG.info("{} aborts the leadership transfer to {} in term {}", id, leadTransferee, currentTerm);
            leadTransferee = null;
            if (leaving()) {
                leave(null); // the successor never caught up: C_new elects a leader the ordinary way
                return;
            }
        }
        if (ownDiskStalled()) {
            // A leader that cannot make its own log durable still replicates, but it cannot count itself and its
            // fsync latency may be unbounded: hand leadership to a server with a working disk.
            LOG.warn("{} steps down: its own log writes made no progress for {} ticks", id, diskStalledTicks);
            becomeFollower(currentTerm, null);
            return;
        }
        for (Map.Entry<String, ReplicationProgress> e : progress.entrySet()) {
            if (e.getValue().tickStalled(config.electionTimeoutTicks())) {
                sendAppends(e.getKey());
            }
        }
        if (heartbeatElapsed >= config.heartbeatIntervalTicks()) {
            heartbeatElapsed = 0;
            reads.newRound(ticks); // each heartbeat round can confirm reads and renew the lease
            for (String peer : progress.keySet()) {
                sendHeartbeat(peer);
            }
        }
    }

    private boolean ownDiskStalled() {
        long durable = log.durableIndex();
        if (!log.hasWritesOutstanding() || durable != durableIndexAtLastTick) {
            diskStalledTicks = 0;
            durableIndexAtLastTick = durable;
            return false;
        }
        return ++diskStalledTicks >= config.diskStallTicks();
    }

    private boolean quorumActive() {
        return Quorum.tally(configurations.active(),
                v -> v.equals(id) || (progress.containsKey(v) && progress.get(v).recentActive()),
                v -> false) == Quorum.Tally.WON;
    }

    /** Sends whatever new entries, commit news and read rounds have accumulated since the last Ready. */
    private void flushReplication() {
        boolean readRound = reads.takeBroadcastNeeded();
        for (Map.Entry<String, ReplicationProgress> e : progress.entrySet()) {
            String peer = e.getKey();
            ReplicationProgress pr = e.getValue();
            boolean sent = newEntriesToReplicate && sendAppends(peer);
            // A follower that has not heard of the latest commit learns it now, not at the next heartbeat: a
            // command forwarded through it completes only once it has applied the entry too.
            boolean commitNews = pr.idle() && pr.sentCommit() < log.commitIndex();
            if (!sent && (readRound || commitNews)) {
                sendHeartbeat(peer);
            }
        }
        newEntriesToReplicate = false;
        commitToAnnounce = false;
    }

    /** Sends entries to {@code peer} while its window allows; returns true when anything was sent. */
    private boolean sendAppends(String peer) {
        boolean any = false;
        while (sendAppend(peer, false)) {
            any = true;
        }
        return any;
    }

    private boolean sendAppend(String peer, boolean allowEmpty) {
        ReplicationProgress pr = progress.get(peer);
        if (pr.isPaused()) {
            return false;
        }
        long prevIndex = pr.nextIndex() - 1;
        if (!log.hasTerm(prevIndex)) {
            return sendSnapshot(peer, pr);
        }
        List<LogEntry> entries = log.entries(pr.nextIndex(), log.lastIndex() + 1, config.maxEntriesPerAppend(),
                config.maxBytesPerAppend());
        if (entries.isEmpty() && !allowEmpty) {
            return false;
        }
        messages.add(new Message.AppendEntries(currentTerm, id, peer, prevIndex, log.term(prevIndex), entries,
                log.commitIndex(), reads.seq()));
        pr.commitSent(Math.min(log.commitIndex(), prevIndex + entries.size()));
        if (entries.isEmpty()) {
            pr.sentProbe();
        } else {
            long bytes = 0;
            for (LogEntry e : entries) {
                bytes += e.sizeInBytes();
            }
            pr.sentEntries(entries.get(entries.size() - 1).index(), bytes);
        }
        return true;
    }

    /**
     * A heartbeat (paper §5.2) that also carries commitIndex and the read round. To a follower being probed it
     * is the next probe; otherwise it checks only the prefix already known to match, so it never interferes
     * with pipelined appends still in flight.
     */
    private void sendHeartbeat(String peer) {
        ReplicationProgress pr = progress.get(peer);
        if (pr.state() == ReplicationProgress.State.PROBE) {
            pr.unpauseProbe();
            sendAppend(peer, true);
            return;
        }
        long match = pr.matchIndex();
        if (!log.hasTerm(match)) {
            if (pr.state() == ReplicationProgress.State.REPLICATE) {
                sendSnapshot(peer, pr); // compaction overtook this follower
                return;
            }
            // A snapshot is on its way: the heartbeat still carries commitIndex and the read round.
            match = log.snapshotIndex();
        }
        messages.add(new Message.AppendEntries(currentTerm, id, peer, match, log.term(match), List.of(),
                log.commitIndex(), reads.seq()));
        pr.commitSent(Math.min(log.commitIndex(), match));
    }

    /** Thesis §5.3: a follower that needs compacted entries gets the newest snapshot instead. */
    private boolean sendSnapshot(String peer, ReplicationProgress pr) {
        SnapshotMeta snapshot = latestSnapshot;
        if (snapshot == null || snapshot.index() < log.snapshotIndex()) {
            LOG.warn("{} cannot replicate to {}: entry {} is compacted and no snapshot covers it", id, peer,
                    pr.nextIndex() - 1);
            return false;
        }
        messages.add(new Message.InstallSnapshot(currentTerm, id, peer, snapshot));
        pr.becomeSnapshot(snapshot.index());
        return true;
    }

    private void handleAppendEntriesResponse(Message.AppendEntriesResponse r) {
        if (role != Role.LEADER) {
            return;
        }
        ReplicationProgress pr = progress.get(r.from());
        if (pr == null) {
            return;
        }
        if (r.success() && r.matchIndex() > log.lastIndex()) {
            drop(r, "acknowledges index " + r.matchIndex() + " beyond the leader's last index " + log.lastIndex());
            return;
        }
        if (!r.success() && r.rejectedIndex() > log.lastIndex()) {
            drop(r, "rejects prevLogIndex " + r.rejectedIndex() + ", which this leader never sent (last index "
                    + log.lastIndex() + ")");
            return;
        }
        pr.setRecentActive(true);
        if (r.readSeq() <= reads.seq()) {
            pr.ackReadSeq(r.readSeq());
            confirmReads();
        }
        if (r.success()) {
            if (pr.acknowledged(r.matchIndex()) && maybeCommit()) {
                commitToAnnounce = true;
            }
            if (role != Role.LEADER) {
                return; // the commit completed a configuration this leader is not part of: it stepped down
            }
            if (r.from().equals(leadTransferee) && pr.matchIndex() == log.lastIndex()) {
                sendTimeoutNow(r.from()); // thesis §3.10: the target is up to date
                if (role != Role.LEADER) {
                    return; // a leader leaving the configuration handed over and stepped down
                }
            }
            sendAppends(r.from());
            if (pr.idle() && pr.sentCommit() < log.commitIndex()) {
                commitToAnnounce = true; // it acknowledged after the commit was announced to the others
            }
        } else if (pr.rejected(r.rejectedIndex(), nextIndexHint(r))) {
            sendAppend(r.from(), true);
        }
    }

    /**
     * Fast backtracking (paper §5.3): if the leader has entries of the follower's conflicting term, retry just
     * after its last one; otherwise skip the follower's whole run of that term.
     */
    private long nextIndexHint(Message.AppendEntriesResponse r) {
        if (r.conflictTerm() > 0) {
            long i = log.lastIndexWithTermAtMost(r.conflictTerm(), r.rejectedIndex());
            if (log.term(i) == r.conflictTerm()) {
                return i + 1;
            }
        }
        return Math.max(1, r.conflictIndex());
    }

    /** Advances commitIndex to the highest index stored on a majority, if it is of the current term. */
    private boolean maybeCommit() {
        long agreed = Quorum.agreedValue(configurations.active(), this::matchIndexOf);
        if (agreed <= log.commitIndex()) {
            return false;
        }
        // Figure 8: only entries of the current term are committed by counting replicas; earlier ones follow.
        if (log.term(agreed) != currentTerm) {
            return false;
        }
        commitTo(agreed);
        if (log.term(agreed) == currentTerm) {
            reads.termCommitted(agreed, ticks);
            confirmReads();
        }
        configurationCommittedByLeader();
        return true;
    }

    /** Thesis chapter 4: what a leader does once the configuration in force is committed. */
    private void configurationCommittedByLeader() {
        if (!configurationCommitted()) {
            return;
        }
        ClusterConfiguration active = configurations.active();
        if (active.isJoint()) {
            // Thesis §4.3: C_old,new is committed, so the leader moves on to C_new by itself.
            appendConfiguration(new ClusterConfiguration(active.voters(), active.learners(), Set.of(),
                    active.addresses()));
        } else if (!active.isVoter(id) && leadTransferee == null) {
            // Thesis §4.2.2: a leader not in C_new managed the change without counting itself; now that C_new is
            // committed it leaves. Thesis §3.10 applied to §4.2.2: rather than leave C_new leaderless for an
            // election timeout, it hands over to the most caught-up voter of C_new like a leadership transfer:
            // no new proposals, the target is brought up to the last entry, then TimeoutNow. A target that lacked
            // entries another voter holds could not win its election (§5.4.1), which is how a hand-over at the
            // instant of the commit failed under load.
            String successor = mostCaughtUpVoter(active);
            if (successor == null) {
                leave(null);
                return;
            }
            LOG.info("{} is not a voter of the committed configuration {}: it hands leadership to {} and leaves",
                    id, active, successor);
            startTransfer(successor);
        }
    }

    /** This leader is not a voter of the configuration in force, which is committed: it only hands over. */
    private boolean leaving() {
        ClusterConfiguration active = configurations.active();
        return role == Role.LEADER && !active.isJoint() && !active.isVoter(id) && configurationCommitted();
    }

    /**
     * Thesis §4.2.2: a leader not in the committed C_new steps down, telling the followers the commit first, then
     * handing leadership to {@code successor} (caught up to its last entry) with TimeoutNow, unless it is null.
     */
    private void leave(String successor) {
        commitToAnnounce = true;
        flushReplication();
        if (successor != null) {
            messages.add(new Message.TimeoutNow(currentTerm, id, successor));
            LOG.info("{} handed leadership to {} and steps down", id, successor);
        } else {
            LOG.info("{} steps down: it is not a voter of the committed configuration {}", id,
                    configurations.active());
        }
        becomeFollower(currentTerm, null);
    }

    /** Appends a configuration entry on the leader; it is in force at once (thesis §4.1). */
    private LogEntry appendConfiguration(ClusterConfiguration next) {
        LogEntry entry = new LogEntry(log.lastIndex() + 1, currentTerm, EntryType.CONFIGURATION, next.encode());
        log.append(List.of(entry));
        configurations.appended(List.of(entry));
        syncProgress();
        newEntriesToReplicate = true;
        if (maybeCommit()) {
            commitToAnnounce = true;
        }
        return entry;
    }

    /**
     * Leader: keeps one replication progress per server of any configuration still in the log — learners
     * included, and servers being removed until the configuration without them is committed, so that they
     * learn of their removal.
     */
    private void syncProgress() {
        if (role != Role.LEADER) {
            return;
        }
        Set<String> servers = configurations.knownServers();
        for (String peer : List.copyOf(progress.keySet())) {
            if (!servers.contains(peer)) {
                // A removed server: a last heartbeat tells it the commit of the configuration without it, so it
                // knows it is out and stops campaigning (best effort; thesis §4.2.3 covers the rest).
                sendHeartbeat(peer);
                progress.remove(peer);
            }
        }
        for (String server : servers) {
            if (!server.equals(id) && !progress.containsKey(server)) {
                // Probe from the last entry (for a server just added: the configuration entry naming it), so the
                // first AppendEntries carries it and the probe starts at once.
                progress.put(server, new ReplicationProgress(Math.max(1, log.lastIndex()),
                        config.maxInflightAppends(), config.maxInflightBytes()));
            }
        }
        if (leadTransferee != null && !configurations.active().voters().contains(leadTransferee)) {
            leadTransferee = null;
        }
    }

    /** The voter of {@code configuration} other than this server with the highest match index, or null. */
    private String mostCaughtUpVoter(ClusterConfiguration configuration) {
        String best = null;
        for (String voter : configuration.voters()) {
            if (!voter.equals(id) && progress.containsKey(voter)
                    && (best == null || matchIndexOf(voter) > matchIndexOf(best))) {
                best = voter;
            }
        }
        return best;
    }

    private void sendTimeoutNow(String target) {
        if (leaving()) {
            leave(target); // its part is done: it steps down without waiting for the target's election
            return;
        }
        timeoutNowSent = true;
        messages.add(new Message.TimeoutNow(currentTerm, id, target));
    }

    private long matchIndexOf(String server) {
        if (server.equals(id)) {
            // Thesis §10.2.1: the leader counts itself only for entries durable on its own disk.
            return log.durableIndex();
        }
        ReplicationProgress pr = progress.get(server);
        return pr == null ? 0 : pr.matchIndex();
    }

    private void confirmReads() {
        long confirmed = Quorum.agreedValue(configurations.active(),
                v -> v.equals(id) ? reads.seq() : progress.containsKey(v) ? progress.get(v).ackedReadSeq() : 0);
        leaseStartTick = Math.max(leaseStartTick, reads.confirmed(confirmed, readStates));
    }

    // ---------------------------------------------------------------- follower

    private void handleAppendEntries(Message.AppendEntries ae) {
        if (role == Role.LEADER) {
            drop(ae, "another leader claims the same term " + currentTerm);
            return;
        }
        if (role != Role.FOLLOWER) {
            becomeFollower(currentTerm, ae.from());
        } else {
            leaderId = ae.from();
            electionElapsed = 0;
        }
        if (ae.prevLogIndex() < log.commitIndex()) {
            // Everything through commitIndex matches the leader already (Leader Completeness).
            respondAppend(ae, true, log.commitIndex(), 0, 0);
            return;
        }
        if (!log.matchTerm(ae.prevLogIndex(), ae.prevLogTerm())) {
            // Paper §5.3 consistency check failed; tell the leader where our log diverges.
            if (ae.prevLogIndex() > log.lastIndex()) {
                respondAppend(ae, false, 0, 0, log.lastIndex() + 1);
            } else {
                long conflictTerm = log.term(ae.prevLogIndex());
                respondAppend(ae, false, 0, conflictTerm, log.firstIndexOfTerm(conflictTerm, ae.prevLogIndex()));
            }
            return;
        }
        appendFromLeader(ae.entries());
        long lastNew = ae.lastIndex();
        if (ae.leaderCommit() > log.commitIndex()) {
            // Paper Figure 2: commitIndex = min(leaderCommit, index of last new entry).
            commitTo(Math.min(ae.leaderCommit(), lastNew));
        }
        respondAppend(ae, true, lastNew, 0, 0);
    }

    /** Paper Figure 13 (InstallSnapshot receiver): the driver has the snapshot's bytes durable already. */
    private void handleInstallSnapshot(Message.InstallSnapshot is) {
        if (role == Role.LEADER) {
            drop(is, "another leader claims the same term " + currentTerm);
            return;
        }
        if (role != Role.FOLLOWER) {
            becomeFollower(currentTerm, is.from());
        } else {
            leaderId = is.from();
            electionElapsed = 0;
        }
        SnapshotMeta snapshot = is.snapshot();
        long matched;
        if (snapshot.index() <= log.commitIndex()) {
            matched = log.commitIndex(); // nothing new: everything it covers is committed here already
        } else if (log.matchTerm(snapshot.index(), snapshot.term())) {
            // Rule 6: the log holds the snapshot's last entry, so it already holds what the snapshot covers.
            commitTo(snapshot.index());
            matched = snapshot.index();
        } else {
            // Rule 7: discard the whole log; the snapshot's state replaces it.
            log.restore(snapshot.index(), snapshot.term());
            configurations.reset(snapshot.index(), snapshot.configuration());
            snapshotToRestore = snapshot;
            latestSnapshot = snapshot;
            matched = snapshot.index();
        }
        sendAfterPersist(new Message.AppendEntriesResponse(currentTerm, id, is.from(), true, matched, 0, 0, 0, 0));
    }

    /** Stores the leader's entries, skipping those already held and truncating only at a real conflict. */
    private void appendFromLeader(List<LogEntry> entries) {
        int skip = 0;
        while (skip < entries.size() && log.matchTerm(entries.get(skip).index(), entries.get(skip).term())) {
            skip++;
        }
        if (skip == entries.size()) {
            return;
        }
        List<LogEntry> fresh = entries.subList(skip, entries.size());
        if (fresh.get(0).index() <= log.lastIndex()) {
            configurations.truncatedFrom(fresh.get(0).index());
            log.truncateAndAppend(fresh);
        } else {
            log.append(fresh);
        }
        configurations.appended(fresh);
    }

    private void respondAppend(Message.AppendEntries ae, boolean success, long matchIndex, long conflictTerm,
                               long conflictIndex) {
        // After persist: a success acknowledges entries that must survive a crash of this server.
        sendAfterPersist(new Message.AppendEntriesResponse(currentTerm, id, ae.from(), success, matchIndex,
                success ? 0 : ae.prevLogIndex(), conflictTerm, conflictIndex, ae.readSeq()));
    }

    // ---------------------------------------------------------------- shared

    private void commitTo(long index) {
        log.commitTo(index);
        if (configurations.committed(log.commitIndex())) {
            syncProgress();
        }
    }

    private boolean hardStateChanged() {
        return currentTerm != handedOutHardState.currentTerm()
                || !Objects.equals(votedFor, handedOutHardState.votedFor());
    }

    private void sendAfterPersist(Message m) {
        messagesAfterPersist.add(m);
    }

    private void drop(Message m, String why) {
        droppedMessages++;
        LOG.warn("{} dropped {} from {}: {}", id, m == null ? "null message" : m.getClass().getSimpleName(),
                m == null ? "?" : m.from(), why);
    }
}
