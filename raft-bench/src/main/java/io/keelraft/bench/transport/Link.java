package io.keelraft.bench.transport;

/** One direction of traffic between two endpoints on loopback, as the benchmark drives it. */
interface Link extends AutoCloseable {

    /** What the results table calls it. */
    String name();

    /** True once messages can flow. */
    boolean ready();

    /** Sends one AppendEntries (or its bytes); never blocks. */
    void send();

    /** Messages the receiving end has taken in so far. */
    long received();

    /** Messages the sending end dropped instead of sending (never arrive). */
    default long dropped() {
        return 0;
    }

    /** Bytes each message occupies on the wire, length prefix included. */
    int frameBytes();

    @Override
    void close();
}
