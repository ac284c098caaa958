package io.keelraft.core.protocol;

/**
 * The leader's view of one follower (paper Figure 2: nextIndex, matchIndex), plus how to send to it:
 * <ul>
 *   <li>PROBE — the leader does not know where the follower's log matches; one AppendEntries at a time
 *       finds the point, moving nextIndex back by whole terms on each rejection (paper §5.3);</li>
 *   <li>REPLICATE — the logs match through matchIndex; AppendEntries are pipelined optimistically, bounded
 *       by the {@link Inflights} window;</li>
 *   <li>SNAPSHOT — the follower needs entries the leader has compacted away; a snapshot is on its way
 *       (thesis §5.3) and nothing else is sent until the follower acknowledges it or the transfer fails.</li>
 * </ul>
 */
final class ReplicationProgress {

    enum State { PROBE, REPLICATE, SNAPSHOT }

    private long matchIndex;
    private long nextIndex;
    private State state = State.PROBE;
    /** In PROBE: an AppendEntries is outstanding, wait for its answer (or the next heartbeat) before another. */
    private boolean probeSent;
    private final Inflights inflights;
    /** Heard from since the last CheckQuorum round (thesis §6.2). */
    private boolean recentActive;
    /** Highest read-confirmation round this follower acknowledged in the current term (thesis §6.4). */
    private long ackedReadSeq;
    /** Leader ticks with appends outstanding and no acknowledgement; detects lost pipelined appends. */
    private int stalledTicks;
    /** Highest leaderCommit sent to this follower: whether it still has to hear of the latest commit. */
    private long sentCommit;
    /** In SNAPSHOT: the index of the snapshot being sent. */
    private long pendingSnapshot;

    ReplicationProgress(long nextIndex, int maxInflight, long maxInflightBytes) {
        this.nextIndex = nextIndex;
        this.inflights = new Inflights(maxInflight, maxInflightBytes);
    }

    long matchIndex() {
        return matchIndex;
    }

    long nextIndex() {
        return nextIndex;
    }

    State state() {
        return state;
    }

    /**
     * The first index of the entries being read for this follower off the raft loop ({@code Ready#entriesToFetch}),
     * or 0: nothing more is sent until they arrive (or the state changes, which forgets the fetch).
     */
    private long fetchingFrom;

    /** Entries from {@code from} are being read for this follower on another thread. */
    void fetchRequested(long from) {
        fetchingFrom = from;
    }

    /** The fetch from {@code from} arrived; true when it is the one this progress waits for. */
    boolean fetched(long from) {
        if (fetchingFrom != from) {
            return false;
        }
        fetchingFrom = 0;
        return from == nextIndex; // a rejection may have moved nextIndex meanwhile: then the entries are stale
    }

    /** True when nothing more may be sent now. */
    boolean isPaused() {
        if (fetchingFrom != 0) {
            return true;
        }
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.isFull();
            case SNAPSHOT -> true;
        };
    }

    /** Records an AppendEntries carrying entries through {@code lastIndex} ({@code bytes} of them). */
    void sentEntries(long lastIndex, long bytes) {
        if (state == State.REPLICATE) {
            nextIndex = lastIndex + 1;
            inflights.add(lastIndex, bytes);
        } else {
            probeSent = true;
        }
    }

    void sentProbe() {
        if (state == State.PROBE) {
            probeSent = true;
        }
    }

    /** Allows the next probe (its answer came, or a heartbeat interval passed). */
    void unpauseProbe() {
        probeSent = false;
    }

    /**
     * Takes a successful acknowledgement through {@code index}. Returns true when matchIndex advanced.
     */
    boolean acknowledged(long index) {
        boolean advanced = index > matchIndex;
        if (advanced) {
            matchIndex = index;
            stalledTicks = 0;
        }
        nextIndex = Math.max(nextIndex, index + 1);
        if (state == State.SNAPSHOT) {
            if (matchIndex >= pendingSnapshot) {
                becomeReplicate(); // the follower holds the snapshot: its log matches through matchIndex
            }
        } else if (state == State.PROBE) {
            probeSent = false;
            if (advanced || matchIndex + 1 == nextIndex) {
                becomeReplicate();
            }
        } else {
            inflights.freeTo(index);
        }
        return advanced;
    }

    /**
     * Takes a rejection of the AppendEntries whose prevLogIndex was {@code rejectedIndex}, with the leader's
     * estimate {@code hintNext} of where the logs may match. Returns false for a stale rejection (one that
     * answers an append older than what the leader now knows).
     */
    boolean rejected(long rejectedIndex, long hintNext) {
        if (state == State.SNAPSHOT) {
            return false; // an answer to a heartbeat while the snapshot travels says nothing new
        }
        if (state == State.REPLICATE) {
            if (rejectedIndex <= matchIndex) {
                return false;
            }
            nextIndex = Math.max(matchIndex + 1, Math.min(hintNext, rejectedIndex));
            becomeProbe();
            return true;
        }
        if (rejectedIndex != nextIndex - 1) {
            return false;
        }
        nextIndex = Math.max(matchIndex + 1, Math.min(hintNext, rejectedIndex));
        probeSent = false;
        return true;
    }

    /**
     * Called each leader tick; returns true when pipelined appends look lost, or a snapshot transfer shows no
     * progress for ten times {@code limit}, and the follower must be probed again.
     */
    boolean tickStalled(int limit) {
        if (state == State.SNAPSHOT) {
            if (++stalledTicks < 10 * limit) {
                return false;
            }
            snapshotFailed();
            return true;
        }
        if (state != State.REPLICATE || inflights.isEmpty()) {
            stalledTicks = 0;
            return false;
        }
        if (++stalledTicks < limit) {
            return false;
        }
        nextIndex = matchIndex + 1;
        becomeProbe();
        return true;
    }

    /** A snapshot through {@code index} is being sent; nothing else goes out until it is acknowledged. */
    void becomeSnapshot(long index) {
        fetchingFrom = 0;
        state = State.SNAPSHOT;
        pendingSnapshot = index;
        stalledTicks = 0;
    }

    void commitSent(long commitIndex) {
        sentCommit = Math.max(sentCommit, commitIndex);
    }

    long sentCommit() {
        return sentCommit;
    }

    /** REPLICATE with nothing in flight: a heartbeat now cannot overtake pipelined appends. */
    boolean idle() {
        return state == State.REPLICATE && inflights.isEmpty();
    }

    /** The snapshot transfer moved forward (a chunk was acknowledged): it is not stalled. */
    void snapshotProgressed() {
        if (state == State.SNAPSHOT) {
            stalledTicks = 0;
        }
    }

    /** The snapshot did not arrive: probe again, which sends a new snapshot if one is still needed. */
    void snapshotFailed() {
        if (state == State.SNAPSHOT) {
            nextIndex = matchIndex + 1;
            becomeProbe();
        }
    }

    /**
     * Forgets what is in flight and probes again just after matchIndex: used when the leader needs this
     * follower caught up now (a leadership transfer) rather than after the stall detection notices lost appends.
     */
    void probeFromMatch() {
        if (state == State.REPLICATE) {
            nextIndex = matchIndex + 1;
            becomeProbe();
        }
    }

    void becomeProbe() {
        fetchingFrom = 0;
        state = State.PROBE;
        probeSent = false;
        stalledTicks = 0;
    }

    /** The window is used in REPLICATE only (PROBE and SNAPSHOT ignore it): it starts empty here. */
    private void becomeReplicate() {
        fetchingFrom = 0;
        state = State.REPLICATE;
        nextIndex = matchIndex + 1;
        stalledTicks = 0;
        inflights.reset();
    }

    boolean recentActive() {
        return recentActive;
    }

    void setRecentActive(boolean active) {
        this.recentActive = active;
    }

    long ackedReadSeq() {
        return ackedReadSeq;
    }

    void ackReadSeq(long seq) {
        ackedReadSeq = Math.max(ackedReadSeq, seq);
    }

    @Override
    public String toString() {
        return state + "{match=" + matchIndex + ", next=" + nextIndex + ", inflight=" + inflights.count()
                + (state == State.SNAPSHOT ? ", snapshot=" + pendingSnapshot : "") + "}";
    }
}
