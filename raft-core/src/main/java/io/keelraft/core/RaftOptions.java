package io.keelraft.core;

import java.time.Duration;
import java.util.Objects;

/**
 * Tuning of a {@link RaftNode}, with defaults fit for a LAN. Build with {@link #builder()}; every value is
 * checked and a wrong one is named in the error. The one set of options: the protocol, the runtime and the
 * simulator all read this, the protocol in ticks ({@link #tick()}) — logical time, which the runtime advances once
 * per tick and the simulator in virtual time.
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
    private final Duration tick;
    private final Duration diskStallTimeout;
    private final long maxApplyBatchBytes;
    private final Duration snapshotRetryInterval;
    // The timeouts in ticks, as the protocol reads them on every tick.
    private final int electionTimeoutTicks;
    private final int heartbeatIntervalTicks;
    private final int diskStallTicks;

    private RaftOptions(Builder b) {
        this.tick = b.tick != null ? b.tick : b.heartbeatInterval;
        this.diskStallTimeout = b.diskStallTimeout != null ? b.diskStallTimeout : b.electionTimeout;
        this.electionTimeoutTicks = ticks(b.electionTimeout);
        this.heartbeatIntervalTicks = ticks(b.heartbeatInterval);
        this.diskStallTicks = Math.max(1, ticks(diskStallTimeout));
        this.maxApplyBatchBytes = b.maxApplyBatchBytes;
        this.snapshotRetryInterval = b.snapshotRetryInterval;
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

    /**
     * The protocol's unit of logical time: the runtime ticks it this often, and every protocol timeout below is a
     * whole number of ticks. Default: the heartbeat interval.
     */
    public Duration tick() {
        return tick;
    }

    /** T in ticks: an election waits a random number of ticks in [T, 2T) (paper §5.2). */
    public int electionTimeoutTicks() {
        return electionTimeoutTicks;
    }

    /** Ticks between a leader's heartbeats; well below the election timeout (paper §5.6). */
    public int heartbeatIntervalTicks() {
        return heartbeatIntervalTicks;
    }

    /**
     * A leader whose own log writes make no progress this long steps down, so that a server with a working disk
     * can lead. Default: the election timeout.
     */
    public Duration diskStallTimeout() {
        return diskStallTimeout;
    }

    /** {@link #diskStallTimeout()} in ticks. */
    public int diskStallTicks() {
        return diskStallTicks;
    }

    /** Upper bound on the bytes of committed entries handed to the apply thread at once. Default 4 MiB. */
    public long maxApplyBatchBytes() {
        return maxApplyBatchBytes;
    }

    /** How long to wait after a failed snapshot before trying again. Default 5 s. */
    public Duration snapshotRetryInterval() {
        return snapshotRetryInterval;
    }

    /** {@link #snapshotRetryInterval()} in ticks (at least one). */
    public int snapshotRetryTicks() {
        return Math.max(1, ticks(snapshotRetryInterval));
    }

    private int ticks(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toNanos() / tick.toNanos());
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
        private Duration tick;
        private Duration diskStallTimeout;
        private long maxApplyBatchBytes = 4L << 20;
        private Duration snapshotRetryInterval = Duration.ofSeconds(5);
        /** Timeouts given in ticks (for drivers that count ticks, like the simulator); resolved by build(). */
        private Integer electionTimeoutTicks;
        private Integer heartbeatIntervalTicks;
        private Integer diskStallTicks;

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

        /** See {@link RaftOptions#tick()}; default: the heartbeat interval. */
        public Builder tick(Duration d) {
            this.tick = Objects.requireNonNull(d, "tick");
            return this;
        }

        /** See {@link RaftOptions#diskStallTimeout()}; default: the election timeout. */
        public Builder diskStallTimeout(Duration d) {
            this.diskStallTimeout = Objects.requireNonNull(d, "diskStallTimeout");
            return this;
        }

        /** See {@link RaftOptions#maxApplyBatchBytes()}; default 4 MiB. */
        public Builder maxApplyBatchBytes(long bytes) {
            this.maxApplyBatchBytes = bytes;
            return this;
        }

        /** See {@link RaftOptions#snapshotRetryInterval()}; default 5 s. */
        public Builder snapshotRetryInterval(Duration d) {
            this.snapshotRetryInterval = Objects.requireNonNull(d, "snapshotRetryInterval");
            return this;
        }

        /** The election timeout as {@code ticks} ticks (see {@link #tick}); for drivers that count ticks. */
        public Builder electionTimeoutTicks(int ticks) {
            this.electionTimeoutTicks = ticks;
            return this;
        }

        /** The heartbeat interval as {@code ticks} ticks (see {@link #tick}); for drivers that count ticks. */
        public Builder heartbeatIntervalTicks(int ticks) {
            this.heartbeatIntervalTicks = ticks;
            return this;
        }

        /** The disk stall timeout as {@code ticks} ticks (see {@link #tick}); for drivers that count ticks. */
        public Builder diskStallTicks(int ticks) {
            this.diskStallTicks = ticks;
            return this;
        }

        /** Checks every value and builds. */
        public RaftOptions build() {
            if (electionTimeoutTicks != null || heartbeatIntervalTicks != null || diskStallTicks != null) {
                if (tick == null) {
                    throw new IllegalArgumentException("timeouts in ticks need tick(...) set: how long a tick is");
                }
                positive("tick", tick);
                if (electionTimeoutTicks != null) {
                    positive("electionTimeoutTicks", electionTimeoutTicks);
                    electionTimeout = tick.multipliedBy(electionTimeoutTicks);
                }
                if (heartbeatIntervalTicks != null) {
                    positive("heartbeatIntervalTicks", heartbeatIntervalTicks);
                    heartbeatInterval = tick.multipliedBy(heartbeatIntervalTicks);
                }
                if (diskStallTicks != null) {
                    positive("diskStallTicks", diskStallTicks);
                    diskStallTimeout = tick.multipliedBy(diskStallTicks);
                }
            }
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
            positive("maxEntriesPerAppend", maxEntriesPerAppend);
            positive("maxBytesPerAppend", maxBytesPerAppend);
            positive("maxInflightAppends", maxInflightAppends);
            positive("maxInflightBytes", maxInflightBytes);
            positive("maxApplyBatchBytes", maxApplyBatchBytes);
            positive("snapshotRetryInterval", snapshotRetryInterval);
            if (tick != null) {
                positive("tick", tick);
                if (tick.compareTo(heartbeatInterval) > 0) {
                    throw new IllegalArgumentException("tick (" + tick + ") must not be longer than heartbeatInterval ("
                            + heartbeatInterval + ")");
                }
            }
            if (diskStallTimeout != null) {
                positive("diskStallTimeout", diskStallTimeout);
            }
            return new RaftOptions(this);
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
