package io.keelraft.core.protocol;

import io.keelraft.core.SnapshotMeta;
import io.keelraft.core.ClusterConfiguration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's log replication (paper §5.3): one {@link ReplicationProgress} per follower, and what to send it —
 * pipelined AppendEntries, probes, heartbeats that carry the commit index and the read round, or the newest
 * snapshot when the entries it needs are compacted away (thesis §5.3). Empty unless this server leads.
 */
final class Replication {

    private static final Logger LOG = LoggerFactory.getLogger(RaftProtocol.class);

    private final RaftState s;
    private final RaftProtocol raft;
    /**
     * Leader: one progress per server of any configuration still in the log but this one (paper Figure 2's
     * nextIndex and matchIndex, reinitialized after election); see {@link #syncProgress}. Empty on other servers.
     */
    private final Map<String, ReplicationProgress> progress = new TreeMap<>();
    /** Entries were appended since the last Ready: it sends them. */
    private boolean newEntriesToReplicate;
    /** commitIndex advanced since the last Ready: followers that have not heard of it learn it then. */
    private boolean commitToAnnounce;

    Replication(RaftState s, RaftProtocol raft) {
        this.s = s;
        this.raft = raft;
    }

    /** A new leader starts with fresh progress for every server (paper Figure 2). */
    void reset() {
        progress.clear();
        syncProgress();
    }

    /** Leadership is lost: nothing more is sent. */
    void clear() {
        progress.clear();
        newEntriesToReplicate = false;
        commitToAnnounce = false;
    }

    void entriesAppended() {
        newEntriesToReplicate = true;
    }

    void announceCommit() {
        commitToAnnounce = true;
    }

    /** A follower that acknowledged after the latest commit was announced to the others hears of it too. */
    void announceCommitIfBehind(ReplicationProgress pr) {
        if (pr.idle() && pr.sentCommit() < s.log.commitIndex()) {
            commitToAnnounce = true;
        }
    }

    /** True when the next Ready has something to send. */
    boolean hasWork() {
        return newEntriesToReplicate || commitToAnnounce;
    }

    ReplicationProgress progress(String peer) {
        return progress.get(peer);
    }

    /** Each follower's matchIndex (paper Figure 2). */
    Map<String, Long> matchIndexes() {
        Map<String, Long> out = new TreeMap<>();
        progress.forEach((peer, pr) -> out.put(peer, pr.matchIndex()));
        return out;
    }

    long matchIndexOf(String server) {
        if (server.equals(s.id)) {
            // Thesis §10.2.1: the leader counts itself only for entries durable on its own disk.
            return s.log.durableIndex();
        }
        ReplicationProgress pr = progress.get(server);
        return pr == null ? 0 : pr.matchIndex();
    }

    /** The highest read round {@code server} acknowledged (thesis §6.4), 0 when it has no progress. */
    long ackedReadSeq(String server) {
        return progress.containsKey(server) ? progress.get(server).ackedReadSeq() : 0;
    }

    /** The voter of {@code configuration} other than this server with the highest match index, or null. */
    String mostCaughtUpVoter(ClusterConfiguration configuration) {
        String best = null;
        for (String voter : configuration.voters()) {
            if (!voter.equals(s.id) && progress.containsKey(voter)
                    && (best == null || matchIndexOf(voter) > matchIndexOf(best))) {
                best = voter;
            }
        }
        return best;
    }

    /**
     * Leader: keeps one replication progress per server of any configuration still in the log — learners
     * included, and servers being removed until the configuration without them is committed, so that they
     * learn of their removal.
     */
    void syncProgress() {
        Set<String> servers = s.configurations.knownServers();
        for (String peer : List.copyOf(progress.keySet())) {
            if (!servers.contains(peer)) {
                // A removed server: a last heartbeat tells it the commit of the configuration without it, so it
                // knows it is out and stops campaigning (best effort; thesis §4.2.3 covers the rest).
                sendHeartbeat(peer);
                progress.remove(peer);
            }
        }
        for (String server : servers) {
            if (!server.equals(s.id) && !progress.containsKey(server)) {
                // Probe from the last entry (for a server just added: the configuration entry naming it), so the
                // first AppendEntries carries it and the probe starts at once.
                progress.put(server, new ReplicationProgress(Math.max(1, s.log.lastIndex()),
                        s.config.maxInflightAppends(), s.config.maxInflightBytes()));
            }
        }
        raft.transfer.configurationChanged();
    }

    // ---------------------------------------------------------------- leader ticks

    /** CheckQuorum (thesis §6.2): true when a majority was heard from since the last check. */
    boolean quorumActive() {
        return Quorum.tally(s.configurations.active(),
                v -> v.equals(s.id) || (progress.containsKey(v) && progress.get(v).recentActive()),
                v -> false) == Quorum.Tally.WON;
    }

    /** Starts a new CheckQuorum round. */
    void forgetActivity() {
        progress.values().forEach(p -> p.setRecentActive(false));
    }

    /** Resends to followers whose pipelined appends went unanswered for too long (they may have been lost). */
    void resendStalled() {
        for (Map.Entry<String, ReplicationProgress> e : progress.entrySet()) {
            if (e.getValue().tickStalled(s.config.electionTimeoutTicks())) {
                sendAppends(e.getKey());
            }
        }
    }

    void sendHeartbeats() {
        for (String peer : progress.keySet()) {
            sendHeartbeat(peer);
        }
    }

    // ---------------------------------------------------------------- sending

    /** Sends whatever new entries, commit news and read rounds have accumulated since the last Ready. */
    void flush() {
        boolean readRound = raft.reads.takeBroadcastNeeded();
        for (Map.Entry<String, ReplicationProgress> e : progress.entrySet()) {
            String peer = e.getKey();
            ReplicationProgress pr = e.getValue();
            boolean sent = newEntriesToReplicate && sendAppends(peer);
            // A follower that has not heard of the latest commit learns it now, not at the next heartbeat: a
            // command forwarded through it completes only once it has applied the entry too.
            boolean commitNews = pr.idle() && pr.sentCommit() < s.log.commitIndex();
            if (!sent && (readRound || commitNews)) {
                sendHeartbeat(peer);
            }
        }
        newEntriesToReplicate = false;
        commitToAnnounce = false;
    }

    /** Sends entries to {@code peer} while its window allows; returns true when anything was sent. */
    boolean sendAppends(String peer) {
        boolean any = false;
        while (sendAppend(peer, false)) {
            any = true;
        }
        return any;
    }

    boolean sendAppend(String peer, boolean allowEmpty) {
        ReplicationProgress pr = progress.get(peer);
        if (pr.isPaused()) {
            return false;
        }
        long prevIndex = pr.nextIndex() - 1;
        if (!s.log.hasTerm(prevIndex)) {
            return sendSnapshot(peer, pr);
        }
        if (!s.log.inMemory(pr.nextIndex())) {
            // A lagging follower needs entries that are on disk only: they are read on another thread, never on the
            // raft loop, and sent when they arrive (entriesFetched); meanwhile this progress sends nothing more.
            long to = Math.min(s.log.lastDurableIndexToRead() + 1, pr.nextIndex() + s.config.maxEntriesPerAppend());
            s.fetches.add(new EntryFetch(peer, s.currentTerm, pr.nextIndex(), to, s.config.maxBytesPerAppend()));
            pr.fetchRequested(pr.nextIndex());
            return false;
        }
        List<LogEntry> entries = s.log.entries(pr.nextIndex(), s.log.lastIndex() + 1, s.config.maxEntriesPerAppend(),
                s.config.maxBytesPerAppend());
        if (entries.isEmpty() && !allowEmpty) {
            return false;
        }
        sendEntries(peer, pr, prevIndex, entries);
        return true;
    }

    /** Leader: the entries of an EntryFetch for {@code peer} arrived from the driver. */
    void entriesFetched(String peer, long fromIndex, List<LogEntry> entries) {
        ReplicationProgress pr = progress.get(peer);
        if (pr == null || !pr.fetched(fromIndex)) {
            return; // stale: the follower's progress moved on meanwhile
        }
        long prevIndex = fromIndex - 1;
        boolean stillInLog = s.log.hasTerm(prevIndex) && !entries.isEmpty()
                && entries.get(0).index() == fromIndex && s.log.hasTerm(entries.get(entries.size() - 1).index())
                && s.log.term(entries.get(entries.size() - 1).index()) == entries.get(entries.size() - 1).term();
        if (stillInLog) {
            sendEntries(peer, pr, prevIndex, entries);
            sendAppends(peer); // more, while the window allows
        }
        // Otherwise (a failed read, or compacted meanwhile) the next heartbeat round decides again: entries or a
        // snapshot. Not at once: a disk that keeps failing reads must not turn this into a busy loop.
    }

    private void sendEntries(String peer, ReplicationProgress pr, long prevIndex, List<LogEntry> entries) {
        s.send(new Message.AppendEntries(s.currentTerm, s.id, peer, prevIndex, s.log.term(prevIndex), entries,
                s.log.commitIndex(), raft.reads.seq()));
        pr.commitSent(Math.min(s.log.commitIndex(), prevIndex + entries.size()));
        if (entries.isEmpty()) {
            pr.sentProbe();
        } else {
            long bytes = 0;
            for (LogEntry e : entries) {
                bytes += e.sizeInBytes();
            }
            pr.sentEntries(entries.get(entries.size() - 1).index(), bytes);
        }
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
        if (!s.log.hasTerm(match)) {
            if (pr.state() == ReplicationProgress.State.REPLICATE) {
                sendSnapshot(peer, pr); // compaction overtook this follower
                return;
            }
            // A snapshot is on its way: the heartbeat still carries commitIndex and the read round.
            match = s.log.snapshotIndex();
        }
        s.send(new Message.AppendEntries(s.currentTerm, s.id, peer, match, s.log.term(match), List.of(),
                s.log.commitIndex(), raft.reads.seq()));
        pr.commitSent(Math.min(s.log.commitIndex(), match));
    }

    /** Thesis §5.3: a follower that needs compacted entries gets the newest snapshot instead. */
    private boolean sendSnapshot(String peer, ReplicationProgress pr) {
        SnapshotMeta snapshot = s.latestSnapshot;
        if (snapshot == null || snapshot.index() < s.log.snapshotIndex()) {
            LOG.warn("{} cannot replicate to {}: entry {} is compacted and no snapshot covers it", s.id, peer,
                    pr.nextIndex() - 1);
            return false;
        }
        s.send(new Message.InstallSnapshot(s.currentTerm, s.id, peer, snapshot));
        pr.becomeSnapshot(snapshot.index());
        return true;
    }
}
