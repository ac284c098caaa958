package io.keelraft.core;

import io.keelraft.core.protocol.ProtocolConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * Tuning of a {@link RaftNode}, with defaults fit for a LAN. Build with {@link #builder()}; every value is
 * checked and a wrong one is named in the error.
 */
public final class RaftOptions {

    private final Duration electionTimeout;
    private final Duration heartbeatInterval;
    private final boolean preVote;
    private final boolean checkQuorum;
    private final int maxEntriesPerAppend;
    private final long maxBytesPerAppend;
    private final int maxInflightAppends;
    private final long maxInflightBytes;
    private final int maxPendingProposals;
    private final long maxPendingBytes;
    private final int maxCommandBytes;
    private final Duration requestTimeout;
    private final boolean forwardToLeader;
    private final Duration sessionTimeout;
    private final long snapshotLogBytes;
    private final long snapshotLogEntries;
    private final long snapshotTrailingEntries;
    private final int snapshotChunkBytes;
    private final int snapshotsRetained;

    private RaftOptions(Builder b) {
        this.electionTimeout = b.electionTimeout;
        this.heartbeatInterval = b.heartbeatInterval;
        this.preVote = b.preVote;
        this.checkQuorum = b.checkQuorum;
        this.maxEntriesPerAppend = b.maxEntriesPerAppend;
        this.maxBytesPerAppend = b.maxBytesPerAppend;
        this.maxInflightAppends = b.maxInflightAppends;
        this.maxInflightBytes = b.maxInflightBytes;
        this.maxPendingProposals = b.maxPendingProposals;
        this.maxPendingBytes = b.maxPendingBytes;
        this.maxCommandBytes = b.maxCommandBytes;
        this.requestTimeout = b.requestTimeout;
        this.forwardToLeader = b.forwardToLeader;
        this.sessionTimeout = b.sessionTimeout;
        this.snapshotLogBytes = b.snapshotLogBytes;
        this.snapshotLogEntries = b.snapshotLogEntries;
        this.snapshotTrailingEntries = b.snapshotTrailingEntries;
        this.snapshotChunkBytes = b.snapshotChunkBytes;
        this.snapshotsRetained = b.snapshotsRetained;
    }

    /** The defaults. */
    public static RaftOptions defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Minimum election timeout T; each election waits a random time in [T, 2T) (paper §5.2). */
    public Duration electionTimeout() {
        return electionTimeout;
    }

    /** How often a leader sends heartbeats; also the runtime's tick. */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /** Whether a server first asks whether it could win before it campaigns (PreVote, thesis §9.6). */
    public boolean preVote() {
        return preVote;
    }

    /** Whether a leader steps down when it has not heard from a majority for an election timeout (CheckQuorum). */
    public boolean checkQuorum() {
        return checkQuorum;
    }

    /** Most entries in one AppendEntries message (batching). */
    public int maxEntriesPerAppend() {
        return maxEntriesPerAppend;
    }

    /** Most entry bytes in one AppendEntries message (at least one entry is always sent). */
    public long maxBytesPerAppend() {
        return maxBytesPerAppend;
    }

    /** Most AppendEntries in flight to one follower before the leader waits for acknowledgements (pipelining). */
    public int maxInflightAppends() {
        return maxInflightAppends;
    }

    /** Most entry bytes in flight to one follower, so large entries cannot exhaust memory. */
    public long maxInflightBytes() {
        return maxInflightBytes;
    }

    /** Beyond this many proposals waiting to be applied, {@code submit} fails with {@link OverloadedException}. */
    public int maxPendingProposals() {
        return maxPendingProposals;
    }

    /** Beyond this many bytes of proposals waiting to be applied, {@code submit} fails fast too. */
    public long maxPendingBytes() {
        return maxPendingBytes;
    }

    /** The largest command or query accepted. */
    public int maxCommandBytes() {
        return maxCommandBytes;
    }

    /** How long {@code submit} and {@code query} wait before failing with {@link RaftTimeoutException}. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** Whether a follower forwards commands and reads to the leader (else it fails with {@link NotLeaderException}). */
    public boolean forwardToLeader() {
        return forwardToLeader;
    }

    /** A client session with no command for this long (by the leader's clock, carried in the log) expires. */
    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    /**
     * A snapshot is taken once the entries applied since the last one add up to this many bytes (thesis §5.1:
     * snapshot when the log is large enough that compacting it pays off). Default 64 MiB.
     */
    public long snapshotLogBytes() {
        return snapshotLogBytes;
    }

    /** A snapshot is also taken once this many entries were applied since the last one; 0 (default): no limit. */
    public long snapshotLogEntries() {
        return snapshotLogEntries;
    }

    /**
     * Entries kept below a snapshot's index when the log is compacted, so that a follower lagging by fewer
     * entries still catches up with AppendEntries instead of a whole snapshot. Default 4096.
     */
    public long snapshotTrailingEntries() {
        return snapshotTrailingEntries;
    }

    /** Size of the chunks a leader sends a snapshot in (one chunk in flight per follower). Default 1 MiB. */
    public int snapshotChunkBytes() {
        return snapshotChunkBytes;
    }

    /** Complete snapshots kept on disk (the newest is never deleted). Default 2. */
    public int snapshotsRetained() {
        return snapshotsRetained;
    }

    /** The protocol configuration these options imply: one tick per heartbeat interval. */
    ProtocolConfig protocolConfig(String id) {
        int electionTicks = (int) Math.max(2, electionTimeout.toNanos() / heartbeatInterval.toNanos());
        return ProtocolConfig.builder(id)
                .electionTimeoutTicks(electionTicks)
                .heartbeatIntervalTicks(1)
                .preVote(preVote)
                .checkQuorum(checkQuorum)
                .maxEntriesPerAppend(maxEntriesPerAppend)
                .maxBytesPerAppend(maxBytesPerAppend)
                .maxInflightAppends(maxInflightAppends)
                .maxInflightBytes(maxInflightBytes)
                .build();
    }

    /** Builder with the defaults. */
    public static final class Builder {
        private Duration electionTimeout = Duration.ofMillis(1000);
        private Duration heartbeatInterval = Duration.ofMillis(100);
        private boolean preVote = true;
        private boolean checkQuorum = true;
        private int maxEntriesPerAppend = 1024;
        private long maxBytesPerAppend = 1 << 20;
        private int maxInflightAppends = 256;
        private long maxInflightBytes = 32L << 20;
        private int maxPendingProposals = 10_000;
        private long maxPendingBytes = 64L << 20;
        private int maxCommandBytes = 8 << 20;
        private Duration requestTimeout = Duration.ofSeconds(10);
        private boolean forwardToLeader = true;
        private Duration sessionTimeout = Duration.ofMinutes(1);
        private long snapshotLogBytes = 64L << 20;
        private long snapshotLogEntries;
        private long snapshotTrailingEntries = 4096;
        private int snapshotChunkBytes = 1 << 20;
        private int snapshotsRetained = 2;

        private Builder() {
        }

        /** See {@link RaftOptions#electionTimeout()}; default 1 s. */
        public Builder electionTimeout(Duration d) {
            this.electionTimeout = Objects.requireNonNull(d, "electionTimeout");
            return this;
        }

        /** See {@link RaftOptions#heartbeatInterval()}; default 100 ms, less than the election timeout. */
        public Builder heartbeatInterval(Duration d) {
            this.heartbeatInterval = Objects.requireNonNull(d, "heartbeatInterval");
            return this;
        }

        /** See {@link RaftOptions#preVote()}; default on. */
        public Builder preVote(boolean enabled) {
            this.preVote = enabled;
            return this;
        }

        /** See {@link RaftOptions#checkQuorum()}; default on (lease reads need it). */
        public Builder checkQuorum(boolean enabled) {
            this.checkQuorum = enabled;
            return this;
        }

        /** See {@link RaftOptions#maxEntriesPerAppend()}; default 1024. */
        public Builder maxEntriesPerAppend(int n) {
            this.maxEntriesPerAppend = n;
            return this;
        }

        /** See {@link RaftOptions#maxBytesPerAppend()}; default 1 MiB. */
        public Builder maxBytesPerAppend(long n) {
            this.maxBytesPerAppend = n;
            return this;
        }

        /** See {@link RaftOptions#maxInflightAppends()}; default 256. */
        public Builder maxInflightAppends(int n) {
            this.maxInflightAppends = n;
            return this;
        }

        /** See {@link RaftOptions#maxInflightBytes()}; default 32 MiB. */
        public Builder maxInflightBytes(long n) {
            this.maxInflightBytes = n;
            return this;
        }

        /** See {@link RaftOptions#maxPendingProposals()}; default 10,000. */
        public Builder maxPendingProposals(int n) {
            this.maxPendingProposals = n;
            return this;
        }

        /** See {@link RaftOptions#maxPendingBytes()}; default 64 MiB. */
        public Builder maxPendingBytes(long n) {
            this.maxPendingBytes = n;
            return this;
        }

        /** See {@link RaftOptions#maxCommandBytes()}; default 8 MiB. */
        public Builder maxCommandBytes(int n) {
            this.maxCommandBytes = n;
            return this;
        }

        /** See {@link RaftOptions#requestTimeout()}; default 10 s. */
        public Builder requestTimeout(Duration d) {
            this.requestTimeout = Objects.requireNonNull(d, "requestTimeout");
            return this;
        }

        /** See {@link RaftOptions#forwardToLeader()}; default on. */
        public Builder forwardToLeader(boolean enabled) {
            this.forwardToLeader = enabled;
            return this;
        }

        /** See {@link RaftOptions#sessionTimeout()}; default 1 min. */
        public Builder sessionTimeout(Duration d) {
            this.sessionTimeout = Objects.requireNonNull(d, "sessionTimeout");
            return this;
        }

        /** See {@link RaftOptions#snapshotLogBytes()}; default 64 MiB. */
        public Builder snapshotLogBytes(long bytes) {
            this.snapshotLogBytes = bytes;
            return this;
        }

        /** See {@link RaftOptions#snapshotLogEntries()}; default 0 (no entry limit). */
        public Builder snapshotLogEntries(long entries) {
            this.snapshotLogEntries = entries;
            return this;
        }

        /** See {@link RaftOptions#snapshotTrailingEntries()}; default 4096. */
        public Builder snapshotTrailingEntries(long entries) {
            this.snapshotTrailingEntries = entries;
            return this;
        }

        /** See {@link RaftOptions#snapshotChunkBytes()}; default 1 MiB. */
        public Builder snapshotChunkBytes(int bytes) {
            this.snapshotChunkBytes = bytes;
            return this;
        }

        /** See {@link RaftOptions#snapshotsRetained()}; default 2. */
        public Builder snapshotsRetained(int count) {
            this.snapshotsRetained = count;
            return this;
        }

        /** Checks every value and builds. */
        public RaftOptions build() {
            positive("heartbeatInterval", heartbeatInterval);
            positive("electionTimeout", electionTimeout);
            positive("requestTimeout", requestTimeout);
            positive("sessionTimeout", sessionTimeout);
            if (electionTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
                throw new IllegalArgumentException("electionTimeout (" + electionTimeout
                        + ") must be at least twice heartbeatInterval (" + heartbeatInterval + ")");
            }
            positive("maxPendingProposals", maxPendingProposals);
            positive("maxPendingBytes", maxPendingBytes);
            positive("maxCommandBytes", maxCommandBytes);
            positive("snapshotLogBytes", snapshotLogBytes);
            positive("snapshotChunkBytes", snapshotChunkBytes);
            positive("snapshotsRetained", snapshotsRetained);
            if (snapshotLogEntries < 0 || snapshotTrailingEntries < 0) {
                throw new IllegalArgumentException("snapshotLogEntries and snapshotTrailingEntries must not be "
                        + "negative, were " + snapshotLogEntries + " and " + snapshotTrailingEntries);
            }
            RaftOptions options = new RaftOptions(this);
            options.protocolConfig("check"); // validates the protocol-level limits with their names
            return options;
        }

        private static void positive(String name, long value) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
        }

        private static void positive(String name, Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
        }
    }
}
