package io.keelraft.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link RaftMetrics} recorded into a Micrometer {@link MeterRegistry}, tagged with the server id. Micrometer
 * is an optional dependency of raft-core: this class is only loaded when an application calls {@link #of}.
 */
public final class MicrometerMetrics implements RaftMetrics {

    private final Counter proposals;
    private final MeterRegistry registry;
    private final String server;
    private final Counter elections;
    private final Counter leaderships;
    private final Counter appliedEntries;
    private final Timer applyBatches;
    private final Timer commandLatency;
    private final Timer logWrites;
    private final Timer reads;
    private final Counter messagesSent;
    private final Counter bytesSent;
    private final Counter messagesReceived;
    private final AtomicLong leaderTerm = new AtomicLong();

    private MicrometerMetrics(MeterRegistry registry, String server) {
        this.registry = registry;
        this.server = server;
        this.proposals = Counter.builder("keel.proposals").tag("server", server).register(registry);
        this.elections = Counter.builder("keel.elections").tag("server", server).register(registry);
        this.leaderships = Counter.builder("keel.leader.elected").tag("server", server).register(registry);
        this.appliedEntries = Counter.builder("keel.applied.entries").tag("server", server).register(registry);
        this.applyBatches = Timer.builder("keel.apply.batch").tag("server", server).register(registry);
        this.commandLatency = Timer.builder("keel.command.latency").tag("server", server).register(registry);
        this.logWrites = Timer.builder("keel.log.write").tag("server", server).register(registry);
        this.reads = Timer.builder("keel.read.latency").tag("server", server).register(registry);
        this.messagesSent = Counter.builder("keel.messages.sent").tag("server", server).register(registry);
        this.bytesSent = Counter.builder("keel.entry.bytes.sent").baseUnit("bytes").tag("server", server)
                .register(registry);
        this.messagesReceived = Counter.builder("keel.messages.received").tag("server", server).register(registry);
        registry.gauge("keel.leader.term", java.util.List.of(io.micrometer.core.instrument.Tag.of("server", server)),
                leaderTerm);
    }

    /** Metrics for server {@code serverId} in {@code registry}. */
    public static RaftMetrics of(MeterRegistry registry, String serverId) {
        return new MicrometerMetrics(registry, serverId);
    }

    @Override
    public void proposed() {
        proposals.increment();
    }

    @Override
    public void proposalRejected(String reason) {
        Counter.builder("keel.proposals.rejected").tag("server", server).tag("reason", reason).register(registry)
                .increment();
    }

    @Override
    public void becameLeader(long term) {
        leaderships.increment();
        leaderTerm.set(term);
    }

    @Override
    public void electionStarted(long term) {
        elections.increment();
    }

    @Override
    public void applied(int entries, long nanos) {
        appliedEntries.increment(entries);
        applyBatches.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void commandLatency(long nanos) {
        commandLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void logWriteLatency(long nanos) {
        logWrites.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void readLatency(long nanos) {
        reads.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void messagesSent(int messages, long entryBytes) {
        messagesSent.increment(messages);
        bytesSent.increment(entryBytes);
    }

    @Override
    public void messageReceived() {
        messagesReceived.increment();
    }

    @Override
    public void snapshotTaken(long index, long bytes, long nanos) {
        Timer.builder("keel.snapshot.taken").tag("server", server).register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
        Counter.builder("keel.snapshot.bytes.written").baseUnit("bytes").tag("server", server).register(registry)
                .increment(bytes);
    }

    @Override
    public void snapshotFailed() {
        Counter.builder("keel.snapshot.failed").tag("server", server).register(registry).increment();
    }

    @Override
    public void snapshotInstalled(long index, long bytes) {
        Counter.builder("keel.snapshot.installed").tag("server", server).register(registry).increment();
    }

    @Override
    public void snapshotChunkSent(long bytes) {
        Counter.builder("keel.snapshot.bytes.sent").baseUnit("bytes").tag("server", server).register(registry)
                .increment(bytes);
    }

    @Override
    public void snapshotChunkRefused() {
        Counter.builder("keel.snapshot.chunks.refused").tag("server", server).register(registry).increment();
    }
}
