package io.keelraft.core.protocol;

import java.util.Objects;

/**
 * Tuning of the pure protocol. Time is counted in ticks: the driver decides how long a tick is.
 * Build with {@link #builder(String)}; every value is checked and a wrong one is named in the error.
 */
public final class ProtocolConfig {

    private final String id;
    private final int electionTimeoutTicks;
    private final int heartbeatIntervalTicks;
    private final boolean preVote;
    private final boolean checkQuorum;
    private final int maxEntriesPerAppend;
    private final long maxBytesPerAppend;
    private final int maxInflightAppends;
    private final long maxInflightBytes;
    private final long maxApplyBatchBytes;
    private final int diskStallTicks;

    private ProtocolConfig(Builder b) {
        this.id = b.id;
        this.electionTimeoutTicks = b.electionTimeoutTicks;
        this.heartbeatIntervalTicks = b.heartbeatIntervalTicks;
        this.preVote = b.preVote;
        this.checkQuorum = b.checkQuorum;
        this.maxEntriesPerAppend = b.maxEntriesPerAppend;
        this.maxBytesPerAppend = b.maxBytesPerAppend;
        this.maxInflightAppends = b.maxInflightAppends;
        this.maxInflightBytes = b.maxInflightBytes;
        this.maxApplyBatchBytes = b.maxApplyBatchBytes;
        this.diskStallTicks = b.diskStallTicks == 0 ? b.electionTimeoutTicks : b.diskStallTicks;
    }

    /** Starts a configuration for the server {@code id}. */
    public static Builder builder(String id) {
        return new Builder(id);
    }

    /** This server's id. */
    public String id() {
        return id;
    }

    /** T: the election timeout is drawn uniformly from [T, 2T) ticks (paper §5.2). */
    public int electionTimeoutTicks() {
        return electionTimeoutTicks;
    }

    /** Ticks between a leader's heartbeats; must be well below the election timeout (paper §5.6). */
    public int heartbeatIntervalTicks() {
        return heartbeatIntervalTicks;
    }

    /** Whether candidates first run a PreVote round (thesis §9.6). */
    public boolean preVote() {
        return preVote;
    }

    /** Whether a leader steps down when it has not heard from a majority within an election timeout (thesis §6.2). */
    public boolean checkQuorum() {
        return checkQuorum;
    }

    public int maxEntriesPerAppend() {
        return maxEntriesPerAppend;
    }

    public long maxBytesPerAppend() {
        return maxBytesPerAppend;
    }

    /** How many AppendEntries may be outstanding to one follower while pipelining. */
    public int maxInflightAppends() {
        return maxInflightAppends;
    }

    /** How many entry bytes may be outstanding to one follower; bounds leader memory with large entries. */
    public long maxInflightBytes() {
        return maxInflightBytes;
    }

    /** Upper bound on the bytes of committed entries handed out in one {@link Ready}. */
    public long maxApplyBatchBytes() {
        return maxApplyBatchBytes;
    }

    /**
     * A leader whose own log writes make no progress for this many ticks steps down, so that a server with a
     * healthy disk can lead (default: one election timeout).
     */
    public int diskStallTicks() {
        return diskStallTicks;
    }

    @Override
    public String toString() {
        return "ProtocolConfig{id=" + id + ", electionTimeoutTicks=" + electionTimeoutTicks
                + ", heartbeatIntervalTicks=" + heartbeatIntervalTicks + ", preVote=" + preVote
                + ", checkQuorum=" + checkQuorum + ", maxEntriesPerAppend=" + maxEntriesPerAppend
                + ", maxBytesPerAppend=" + maxBytesPerAppend + ", maxInflightAppends=" + maxInflightAppends
                + ", maxInflightBytes=" + maxInflightBytes + ", maxApplyBatchBytes=" + maxApplyBatchBytes
                + ", diskStallTicks=" + diskStallTicks + "}";
    }

    /** Builder with production defaults. */
    public static final class Builder {
        private final String id;
        private int electionTimeoutTicks = 10;
        private int heartbeatIntervalTicks = 1;
        private boolean preVote = true;
        private boolean checkQuorum = true;
        private int maxEntriesPerAppend = 1024;
        private long maxBytesPerAppend = 1 << 20;
        private int maxInflightAppends = 256;
        private long maxInflightBytes = 32L << 20;
        private long maxApplyBatchBytes = 4L << 20;
        private int diskStallTicks;

        private Builder(String id) {
            Objects.requireNonNull(id, "id");
            if (id.isBlank()) {
                throw new IllegalArgumentException("id must not be blank");
            }
            this.id = id;
        }

        public Builder electionTimeoutTicks(int ticks) {
            this.electionTimeoutTicks = ticks;
            return this;
        }

        public Builder heartbeatIntervalTicks(int ticks) {
            this.heartbeatIntervalTicks = ticks;
            return this;
        }

        public Builder preVote(boolean enabled) {
            this.preVote = enabled;
            return this;
        }

        public Builder checkQuorum(boolean enabled) {
            this.checkQuorum = enabled;
            return this;
        }

        public Builder maxEntriesPerAppend(int n) {
            this.maxEntriesPerAppend = n;
            return this;
        }

        public Builder maxBytesPerAppend(long bytes) {
            this.maxBytesPerAppend = bytes;
            return this;
        }

        public Builder maxInflightAppends(int n) {
            this.maxInflightAppends = n;
            return this;
        }

        public Builder maxInflightBytes(long bytes) {
            this.maxInflightBytes = bytes;
            return this;
        }

        public Builder maxApplyBatchBytes(long bytes) {
            this.maxApplyBatchBytes = bytes;
            return this;
        }

        /** Ticks without progress of the leader's own writes before it steps down (0: one election timeout). */
        public Builder diskStallTicks(int ticks) {
            this.diskStallTicks = ticks;
            return this;
        }

        /** Checks every value and builds. */
        public ProtocolConfig build() {
            positive("electionTimeoutTicks", electionTimeoutTicks);
            positive("heartbeatIntervalTicks", heartbeatIntervalTicks);
            if (heartbeatIntervalTicks >= electionTimeoutTicks) {
                throw new IllegalArgumentException("heartbeatIntervalTicks (" + heartbeatIntervalTicks
                        + ") must be less than electionTimeoutTicks (" + electionTimeoutTicks + ")");
            }
            positive("maxEntriesPerAppend", maxEntriesPerAppend);
            positive("maxBytesPerAppend", maxBytesPerAppend);
            positive("maxInflightAppends", maxInflightAppends);
            positive("maxInflightBytes", maxInflightBytes);
            positive("maxApplyBatchBytes", maxApplyBatchBytes);
            if (diskStallTicks < 0) {
                throw new IllegalArgumentException("diskStallTicks must be >= 0, was " + diskStallTicks);
            }
            return new ProtocolConfig(this);
        }

        private static void positive(String name, long value) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
        }
    }
}
