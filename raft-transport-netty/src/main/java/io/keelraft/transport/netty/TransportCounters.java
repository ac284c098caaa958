package io.keelraft.transport.netty;

import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link TransportMetrics}; updated from any thread without contention. */
final class TransportCounters {

    final LongAdder messagesSent = new LongAdder();
    final LongAdder messagesReceived = new LongAdder();
    final LongAdder droppedUnreachable = new LongAdder();
    final LongAdder droppedHighWaterMark = new LongAdder();
    final LongAdder droppedOversized = new LongAdder();
    final LongAdder forwardsSent = new LongAdder();
    final LongAdder forwardTimeouts = new LongAdder();
    final LongAdder outboundConnections = new LongAdder();
    final LongAdder inboundConnections = new LongAdder();
    final LongAdder clientConnections = new LongAdder();
    final LongAdder livenessTimeouts = new LongAdder();
    private final LongAdder[] rejections = new LongAdder[Rejection.values().length];

    TransportCounters() {
        for (int i = 0; i < rejections.length; i++) {
            rejections[i] = new LongAdder();
        }
    }

    void rejected(Rejection rejection) {
        rejections[rejection.ordinal()].increment();
    }

    TransportMetrics snapshot() {
        return new TransportMetrics(
                messagesSent.sum(), messagesReceived.sum(), droppedUnreachable.sum(), droppedHighWaterMark.sum(),
                droppedOversized.sum(), forwardsSent.sum(), forwardTimeouts.sum(), outboundConnections.sum(),
                inboundConnections.sum(), count(Rejection.OVERSIZED_FRAME), count(Rejection.MALFORMED_FRAME),
                count(Rejection.TRUNCATED_FRAME), count(Rejection.UNKNOWN_MESSAGE_TYPE),
                count(Rejection.HANDSHAKE_FAILURE), count(Rejection.TLS_FAILURE), livenessTimeouts.sum(),
                clientConnections.sum());
    }

    private long count(Rejection rejection) {
        return rejections[rejection.ordinal()].sum();
    }
}
