package io.keelraft.core.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
    private final RandomGenerator random;
    private final RaftLog log;
    private final ConfigurationLog configurations;
    private ProtocolBug bug = ProtocolBug.NONE;

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
    private long durableIndexAtLastTick;

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
        this.restartedWithTerm = hardState.currentTerm() > 0;
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
        if (m.term() > currentTerm) {
            if (m instanceof Message.RequestVote rv) {
                if (inLeaderLease()) {
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
                boolean fromLeader = m instanceof Message.AppendEntries || m instanceof Message.InstallSnapshot;
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
        LogEntry entry = new LogEntry(log.lastIndex() + 1, currentTerm, EntryType.COMMAND, command);
        log.append(List.of(entry));
        newEntriesToReplicate = true;
        return ProposeResult.accepted(entry.index(), entry.term());
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
        boolean leaseValid = config.checkQuorum() && leaseStartTick != Long.MIN_VALUE
                && ticks - leaseStartTick < leaseTicks;
        if (leaseValid && log.term(log.commitIndex()) == currentTerm) {
            readStates.add(new ReadState(requestId, log.commitIndex()));
            return true;
        }
        return read(requestId);
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
        return hardStateChanged() || log.hasEntriesToPersist() || log.hasEntriesToApply()
                || !messages.isEmpty() || !messagesAfterPersist.isEmpty() || !readStates.isEmpty()
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
        Ready ready = new Ready(hardState, log.takeEntriesToPersist(), List.copyOf(messages),
                List.copyOf(messagesAfterPersist), log.takeEntriesToApply(config.maxApplyBatchBytes()),
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

    /** The configuration in force: the latest in the log (thesis §4.1). */
    public ClusterConfiguration configuration() {
        return configurations.active();
    }

    /** On a leader: each follower's matchIndex (paper Figure 2); empty on other servers. */
    public Map<String, Long> matchIndexes() {
        Map<String, Long> out = new TreeMap<>();
        progress.forEach((peer, pr) -> out.put(peer, pr.matchIndex()));
        return out;
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

    /** Test-only: makes this instance violate the protocol on purpose (see {@link ProtocolBug}). */
    void injectBug(ProtocolBug bug) {
        this.bug = Objects.requireNonNull(bug);
    }

    // ---------------------------------------------------------------- elections

    private boolean promotable() {
        return configurations.active().isVoter(id);
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
        currentTerm++;
        votedFor = id;
        role = Role.CANDIDATE;
        leaderId = null;
        LOG.debug("{} campaigns in term {}", id, currentTerm);
        startVoting(false);
    }

    private void startVoting(boolean preVote) {
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
                sendAfterPersist(new Message.RequestVote(term, id, voter, log.lastIndex(), log.lastTerm(), preVote));
            }
        }
    }

    private void handleRequestVote(Message.RequestVote rv) {
        boolean canVote = rv.from().equals(votedFor)
                || (votedFor == null && leaderId == null)
                || (rv.preVote() && rv.term() > currentTerm)
                || (!rv.preVote() && bug == ProtocolBug.VOTE_TWICE_IN_A_TERM);
        // Paper §5.4.1: only vote for a candidate whose log is at least as up-to-date as ours.
        boolean upToDate = log.isUpToDate(rv.lastLogIndex(), rv.lastLogTerm())
                || bug == ProtocolBug.SKIP_UP_TO_DATE_CHECK;
        boolean grant = canVote && upToDate;
        if (grant && !rv.preVote()) {
            votedFor = rv.from();
            electionElapsed = 0;
        }
        respondVote(rv, grant);
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
        progress.clear();
        for (String member : configurations.active().members()) {
            if (!member.equals(id)) {
                progress.put(member, new ReplicationProgress(log.lastIndex() + 1, config.maxInflightAppends(),
                        config.maxInflightBytes()));
            }
        }
        LOG.info("{} became leader in term {} (last index {})", id, currentTerm, log.lastIndex());
        // Paper §8 / thesis §6.4: a no-op of the new term lets earlier-term entries commit and reads proceed.
        log.append(List.of(new LogEntry(log.lastIndex() + 1, currentTerm, EntryType.NO_OP, null)));
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
        if (log.term(agreed) != currentTerm && bug != ProtocolBug.COMMIT_OLD_TERM_BY_COUNTING) {
            return false;
        }
        commitTo(agreed);
        if (log.term(agreed) == currentTerm) {
            reads.termCommitted(agreed, ticks);
            confirmReads();
        }
        return true;
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
        configurations.committed(log.commitIndex());
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
