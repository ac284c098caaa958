package io.keelraft.core.protocol;

import io.keelraft.core.RaftOptions;
import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
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

    // How it is built, like etcd-raft: this class checks each input, settles a message's term in one place
    // (paper §5.1), and hands the rest to the current role's step function — Follower, Candidate (pre-candidate
    // and candidate) or Leader — over the state they share (RaftState). The leader's parts each have a class:
    // Replication (per-follower progress, §5.3), Reads (ReadIndex and lease, thesis §6.4), LeadershipTransfer
    // (thesis §3.10) and ConfigurationChange (thesis chapter 4).

    private static final Logger LOG = LoggerFactory.getLogger(RaftProtocol.class);

    private final RaftState s;
    // The roles and the leader's parts. They reach one another through these fields; none uses another before
    // the constructor has returned.
    final Follower follower;
    final Candidate candidate;
    final Leader leader;
    final Replication replication;
    final Reads reads;
    final LeadershipTransfer transfer;
    final ConfigurationChange membership;

    /**
     * Restores a server from its durable state.
     *
     * @param id           this server's id
     * @param options      the tuning; the protocol reads its timeouts in ticks ({@link RaftOptions#tick()})
     * @param bootstrap    the configuration in force at the log's base (the initial cluster, or the one recorded
     *                     with the snapshot the log starts after); configuration entries in the log override it
     * @param hardState    the persisted term and vote ({@link HardState#INITIAL} for a new server)
     * @param log          the durable log
     * @param appliedIndex the highest index the state machine has already applied; committed entries after it
     *                     are handed out again
     * @param random       the only source of randomness (election timeouts)
     */
    public RaftProtocol(String id, RaftOptions options, ClusterConfiguration bootstrap, HardState hardState,
                        DurableLog log, long appliedIndex, RandomGenerator random) {
        this.s = new RaftState(id, options, bootstrap, hardState, log, appliedIndex, random);
        this.follower = new Follower(s, this);
        this.candidate = new Candidate(s, this);
        this.leader = new Leader(s, this);
        this.replication = new Replication(s, this);
        this.reads = new Reads(s, this);
        this.transfer = new LeadershipTransfer(s, this);
        this.membership = new ConfigurationChange(s, this);
    }

    /** The step function of the current role. */
    private RoleStep current() {
        return switch (s.role) {
            case FOLLOWER -> follower;
            case PRE_CANDIDATE, CANDIDATE -> candidate;
            case LEADER -> leader;
        };
    }

    // ---------------------------------------------------------------- inputs

    /** Advances logical time by one tick: election timeouts, heartbeats, CheckQuorum. */
    public void tick() {
        s.ticks++;
        current().tick();
    }

    /** Takes a message from a peer. Malformed or misaddressed messages are dropped and counted. */
    public void step(Message m) {
        String problem = MessageValidator.problem(m, s.id, s.configurations.knownServers());
        if (problem != null) {
            s.drop(m, problem);
            return;
        }
        if (MessageValidator.fromStranger(m, s.configurations.knownServers()) && !(m instanceof Message.RequestVote rv
                && s.log.isUpToDate(rv.lastLogIndex(), rv.lastLogTerm())) && !fromDepartingLeader(m)) {
            // A removed server that has not learned it lacks the entries that removed it, so its log is behind
            // and it is ignored without adopting its term (thesis §4.2.3). A stranger whose log is at least as
            // up to date may be a candidate of a configuration this server has not received: it may need our vote.
            s.strangerMessages++;
            LOG.debug("{} ignored {} from {}, which is in no configuration it knows", s.id,
                    m.getClass().getSimpleName(), m.from());
            return;
        }
        if (m.term() > s.currentTerm) {
            if (m instanceof Message.RequestVote rv) {
                if (inLeaderLease() && !rv.transfer()) {
                    // Thesis §4.2.3: a server that heard from a leader within the minimum election timeout
                    // ignores disruptive vote requests; it neither adopts the term nor votes.
                    if (rv.preVote()) {
                        candidate.respondVote(rv, false);
                    }
                    return;
                }
                if (!rv.preVote()) {
                    follower.become(m.term(), null);
                }
            } else if (!(m instanceof Message.RequestVoteResponse r && r.preVote() && r.granted())) {
                // Paper §5.1: a higher term means this server is out of date.
                boolean fromLeader = m instanceof Message.AppendEntries || m instanceof Message.InstallSnapshot
                        || m instanceof Message.TimeoutNow;
                follower.become(m.term(), fromLeader ? m.from() : null);
            }
        } else if (m.term() < s.currentTerm) {
            rejectStale(m);
            return;
        }
        current().step(m);
    }

    /** Paper §5.1: reject stale requests, telling the sender the current term; ignore stale responses. */
    private void rejectStale(Message m) {
        if (m instanceof Message.AppendEntries ae) {
            s.sendAfterPersist(new Message.AppendEntriesResponse(s.currentTerm, s.id, ae.from(), false, 0,
                    ae.prevLogIndex(), 0, 0, ae.readSeq()));
        } else if (m instanceof Message.InstallSnapshot is) {
            s.sendAfterPersist(new Message.AppendEntriesResponse(s.currentTerm, s.id, is.from(), false, 0, 0, 0, 0,
                    0));
        } else if (m instanceof Message.RequestVote rv) {
            candidate.respondVote(rv, false);
        }
    }

    /**
     * A TimeoutNow from the leader of this term that has just removed itself: the commit that made it a stranger
     * reached this server first, yet its hand-over is still the quickest way to a new leader (an election, which
     * still needs the votes of C_new, is all it starts).
     */
    private boolean fromDepartingLeader(Message m) {
        return m instanceof Message.TimeoutNow && m.term() == s.currentTerm && m.from().equals(s.leaderId);
    }

    /**
     * Thesis §4.2.3 with CheckQuorum: this server heard from a leader less than an election timeout ago (or
     * restarted less than one ago, see {@link RaftState#restartedWithTerm}), so that leader may still hold a
     * lease that counts on this server.
     */
    private boolean inLeaderLease() {
        if (!s.config.checkQuorum()) {
            return false;
        }
        if (s.restartedWithTerm && s.ticks < s.config.electionTimeoutTicks()) {
            return true;
        }
        return s.leaderId != null && s.electionElapsed < s.config.electionTimeoutTicks();
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
        if (snapshot.index() > s.log.commitIndex()) {
            throw new IllegalArgumentException("snapshot at " + snapshot.index() + " is beyond commitIndex "
                    + s.log.commitIndex());
        }
        if (s.latestSnapshot == null || snapshot.index() > s.latestSnapshot.index()) {
            s.latestSnapshot = snapshot;
        }
    }

    /** The newest snapshot the driver reported, or null. */
    public SnapshotMeta latestSnapshot() {
        return s.latestSnapshot;
    }

    /**
     * The driver read the entries of an {@link EntryFetch} ({@code entries} from {@code fromIndex}; empty when the
     * read failed). If this server still leads {@code term} and {@code peer} still waits for them, they leave in an
     * AppendEntries now; otherwise they are dropped (the follower is served again from its progress). A fetch for this
     * server itself reads committed entries to apply: they are handed out in the next Ready's committed entries.
     */
    public void entriesFetched(String peer, long term, long fromIndex, List<LogEntry> entries) {
        Objects.requireNonNull(entries, "entries");
        if (peer.equals(s.id)) {
            s.log.readForApply(fromIndex, entries); // committed entries this server applies (RaftLog#takeApplyRead)
        } else if (s.role == Role.LEADER && s.currentTerm == term) {
            replication.entriesFetched(peer, fromIndex, entries);
        }
    }

    /**
     * The snapshot transfer to {@code peer} ended without it, and {@code peer} answered in {@code peerTerm} (etcd's
     * ReportSnapshot, with the term the answer carried): the follower will be probed (and sent one) again, and a
     * term above this server's means this leader is out of date and steps down — paper §5.1, the rule
     * {@link #step} applies to every message.
     */
    public void snapshotSendFailed(String peer, long peerTerm) {
        snapshotSendFailed(peer);
        if (peerTerm > s.currentTerm && s.configurations.knownServers().contains(peer)) {
            follower.become(peerTerm, null);
        }
    }

    /** The driver could not deliver the snapshot to {@code peer}: it will be probed (and sent one) again. */
    public void snapshotSendFailed(String peer) {
        ReplicationProgress pr = replication.progress(peer);
        if (s.role == Role.LEADER && pr != null) {
            pr.snapshotFailed();
        }
    }

    /** A chunk of the snapshot reached {@code peer}: the transfer is alive, however long it takes. */
    public void snapshotSendProgressed(String peer) {
        ReplicationProgress pr = replication.progress(peer);
        if (s.role == Role.LEADER && pr != null) {
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
        if (s.role != Role.LEADER) {
            return ProposeResult.notLeader(s.leaderId);
        }
        return leader.propose(command);
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
        return membership.change(target);
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
        return transfer.transferLeadership(target);
    }

    /** On a leader: the server leadership is being transferred to, or null. */
    public String leadershipTransferee() {
        return transfer.transferee();
    }

    /**
     * Starts a linearizable read (thesis §6.4). Returns false when this server is not the leader (see
     * {@link #leaderId()}); otherwise the read later appears in {@link Ready#readStates()} or, if leadership
     * is lost first, in {@link Ready#abortedReads()}.
     */
    public boolean read(long requestId) {
        if (s.role != Role.LEADER) {
            return false;
        }
        reads.readIndex(requestId);
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
        if (s.role != Role.LEADER) {
            return false;
        }
        reads.readWithLease(requestId);
        return true;
    }

    /**
     * The driver made {@code hardState} (handed out in a {@link Ready}) durable. A candidate of a one-voter
     * configuration becomes leader only then: drivers must report it.
     */
    public void hardStatePersisted(HardState hardState) {
        Objects.requireNonNull(hardState, "hardState");
        if (hardState.currentTerm() >= s.durableHardState.currentTerm()) {
            s.durableHardState = hardState;
        }
        candidate.hardStatePersisted();
    }

    /**
     * The log store failed a write (a full disk, an I/O error) and dropped every append not yet reported durable.
     * Until {@link #storageRecovered}, this server acknowledges nothing (an acknowledgement promises durability,
     * paper Figure 2) and never campaigns; a leader or candidate steps down so that a server with a working disk
     * leads (as for a stalled disk, {@code diskStallTicks}). It keeps following: entries and the commit index
     * still arrive, so committed entries — durable on a majority — are still applied and reads still served.
     */
    public void storageFailed() {
        s.storageFailing = true;
        s.log.rewindPersistence();
        s.messagesAfterPersist.clear(); // acknowledgements of writes that will not happen
        if (s.role != Role.FOLLOWER) {
            LOG.warn("{} steps down in term {}: its log store failed a write", s.id, s.currentTerm);
            follower.become(s.currentTerm, null);
        }
    }

    /** The log store accepts appends again: entries not yet durable are handed out again. */
    public void storageRecovered() {
        s.storageFailing = false;
        s.log.rewindPersistence();
    }

    /** True between {@link #storageFailed} and {@link #storageRecovered}. */
    public boolean storageFailing() {
        return s.storageFailing;
    }

    /** The driver made the entries through {@code index} durable; the entry at {@code index} has {@code term}. */
    public void persisted(long index, long term) {
        if (s.log.persisted(index, term) && s.role == Role.LEADER) {
            leader.maybeCommit();
        }
    }

    // ---------------------------------------------------------------- output

    /** True when {@link #ready()} has work to hand out, or a soft state that changed since the last Ready. */
    public boolean hasReady() {
        return s.softStateChanged() || s.hardStateChanged()
                || (!s.storageFailing && s.log.hasEntriesToPersist()) || s.log.hasEntriesToApply()
                || !s.messages.isEmpty() || (!s.storageFailing && !s.messagesAfterPersist.isEmpty())
                || !s.readStates.isEmpty() || !s.abortedReads.isEmpty() || s.snapshotToRestore != null
                || !s.fetches.isEmpty()
                || (s.role == Role.LEADER && (replication.hasWork() || reads.broadcastNeeded()));
    }

    /** Hands out the work accumulated since the last call; see {@link Ready} for what the driver must do. */
    public Ready ready() {
        if (s.role == Role.LEADER) {
            replication.flush();
        }
        SoftState softState = null;
        if (s.softStateChanged()) {
            softState = s.softState();
            s.handedOutSoftState = softState;
        }
        HardState hardState = null;
        if (s.hardStateChanged()) {
            hardState = new HardState(s.currentTerm, s.votedFor);
            s.handedOutHardState = hardState;
        }
        if (s.storageFailing) {
            // Nothing can be made durable, so nothing may be acknowledged: the leader retries, as after a loss.
            s.messagesAfterPersist.clear();
        }
        List<LogEntry> committed = s.log.takeEntriesToApply(s.config.maxApplyBatchBytes());
        EntryFetch applyRead = s.log.takeApplyRead(s.id, s.config.maxApplyBatchBytes());
        if (applyRead != null) {
            s.fetches.add(applyRead);
        }
        Ready ready = new Ready(softState, hardState,
                s.storageFailing ? List.of() : s.log.takeEntriesToPersist(),
                List.copyOf(s.messages), List.copyOf(s.messagesAfterPersist),
                committed,
                List.copyOf(s.readStates), List.copyOf(s.abortedReads), s.snapshotToRestore, List.copyOf(s.fetches));
        s.snapshotToRestore = null;
        s.fetches.clear();
        s.messages.clear();
        s.messagesAfterPersist.clear();
        s.readStates.clear();
        s.abortedReads.clear();
        return ready;
    }

    // ---------------------------------------------------------------- observers

    public String id() {
        return s.id;
    }

    public Role role() {
        return s.role;
    }

    /**
     * The cluster id this server writes into the log's first entry should it be the first leader of a new cluster
     * (an empty log): the runtime passes the configured id, or one it generated. Null: write none.
     */
    public void identifyNewCluster(String clusterId) {
        s.newClusterId = clusterId == null ? null : clusterId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    public long currentTerm() {
        return s.currentTerm;
    }

    public String votedFor() {
        return s.votedFor;
    }

    /** The leader of the current term as far as this server knows, or null. */
    public String leaderId() {
        return s.leaderId;
    }

    public long commitIndex() {
        return s.log.commitIndex();
    }

    /** Last index of this server's log, durable or not. */
    public long lastIndex() {
        return s.log.lastIndex();
    }

    public long lastTerm() {
        return s.log.lastTerm();
    }

    /** Term of the entry at {@code index} in this server's log (durable or not). */
    public long term(long index) {
        return s.log.term(index);
    }

    /**
     * Term of the entry at {@code index} while this server's log still holds it (the snapshot's last entry
     * included), or 0 when it is compacted away or beyond the last entry.
     */
    public long termIfKnown(long index) {
        return s.log.hasTerm(index) ? s.log.term(index) : 0;
    }

    /**
     * Every server of the configurations still in the log that a committed one has not superseded: the one in force
     * and any earlier one not yet followed by a committed configuration. A server removed by a configuration that is
     * not committed yet is among them — it may still be the leader that has to commit its own removal (thesis
     * §4.2.2), so the transport keeps reaching it.
     */
    public Set<String> knownServers() {
        return Collections.unmodifiableSet(s.configurations.knownServers());
    }

    /**
     * The servers the transport must keep talking to: {@link #knownServers()} and the leader of the current term
     * if this server knows one. That leader may be in none of them: a leader removed by C_new hands over after
     * C_new is committed (thesis §4.2.2 with §3.10), and must still bring its successor up to date and reach it
     * with TimeoutNow although the followers already know the commit. It is dropped once a new term begins.
     */
    public Set<String> serversToReach() {
        Set<String> known = s.configurations.knownServers();
        if (s.leaderId == null || s.leaderId.equals(s.id) || known.contains(s.leaderId)) {
            return Collections.unmodifiableSet(known);
        }
        Set<String> servers = new TreeSet<>(known);
        servers.add(s.leaderId);
        return Collections.unmodifiableSet(servers);
    }

    /** The configuration in force: the latest in the log (thesis §4.1). */
    public ClusterConfiguration configuration() {
        return s.configurations.active();
    }

    /** The log index of the configuration in force (the log's base for the bootstrap configuration). */
    public long configurationIndex() {
        return s.configurations.activeIndex();
    }

    /** True when the configuration in force is committed, as far as this server knows. */
    public boolean configurationCommitted() {
        return s.configurationCommitted();
    }

    /** On a leader: each follower's matchIndex (paper Figure 2); empty on other servers. */
    public Map<String, Long> matchIndexes() {
        return replication.matchIndexes();
    }

    /**
     * How many well-formed messages were ignored because their sender is in no configuration this server knows
     * (removed servers that have not learned it, servers not added yet).
     */
    public long strangerMessages() {
        return s.strangerMessages;
    }

    /** How many malformed or misaddressed messages were dropped. */
    public long droppedMessages() {
        return s.droppedMessages;
    }

    @Override
    public String toString() {
        return s.id + "{" + s.role + " term=" + s.currentTerm + " last=" + s.log.lastIndex() + "@" + s.log.lastTerm()
                + " commit=" + s.log.commitIndex() + " leader=" + s.leaderId + "}";
    }
}
