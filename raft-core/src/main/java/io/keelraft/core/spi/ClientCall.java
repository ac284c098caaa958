package io.keelraft.core.spi;

/**
 * One request of a remote client and where its answer goes; a {@link Transport} hands them to
 * {@link TransportReceiver#onClientRequests} in batches.
 */
public interface ClientCall {

    /** What the client asks. */
    ClientRequest request();

    /**
     * Sends the answer back to the client. Called once, on any thread (the raft loop, the apply thread, a timer);
     * must not block.
     */
    void reply(ForwardResponse response);
}
