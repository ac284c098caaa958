package io.keelraft.core.protocol;

import java.util.random.RandomGenerator;

/** Skeleton: the implementation lands in the next commit. */
public final class RaftProtocol {
    public RaftProtocol(ProtocolConfig config, ClusterConfiguration bootstrap, HardState hardState,
                        DurableLog log, long appliedIndex, RandomGenerator random) {
        throw new UnsupportedOperationException();
    }
    public void tick() { }
    public void step(Message message) { }
    public ProposeResult propose(byte[] command) { return null; }
    public boolean read(long requestId) { return false; }
    public void persisted(long index, long term) { }
    public boolean hasReady() { return false; }
    public Ready ready() { return Ready.EMPTY; }
    public String id() { return null; }
    public Role role() { return null; }
    public long currentTerm() { return 0; }
    public String votedFor() { return null; }
    public String leaderId() { return null; }
    public long commitIndex() { return 0; }
    public long lastIndex() { return 0; }
    public long lastTerm() { return 0; }
    public long term(long index) { return 0; }
    public ClusterConfiguration configuration() { return null; }
    public long droppedMessages() { return 0; }
    void injectBug(ProtocolBug bug) { }
}
