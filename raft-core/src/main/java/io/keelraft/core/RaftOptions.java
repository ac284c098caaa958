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
