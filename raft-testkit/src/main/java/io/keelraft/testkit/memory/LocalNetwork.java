package io.keelraft.testkit.memory;

import io.keelraft.core.protocol.Message;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.spi.Transport;
import io.keelraft.core.TransportException;
import io.keelraft.core.spi.TransportReceiver;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-process network of {@link Transport}s for tests, with links that can be cut. Delivery hands the
 * message straight to the receiver (which only queues it on its raft loop).
 */
public final class LocalNetwork {

    private final Map<String, TransportReceiver> receivers = new ConcurrentHashMap<>();
    private final Set<String> cut = ConcurrentHashMap.newKeySet();
    private final Map<String, Map<String, String>> members = new ConcurrentHashMap<>();
    private volatile ForwardFilter filter = (from, to, request, deliver) -> deliver.apply(request);

    /** Sees every forwarded request on its way: may change it, drop it or watch its answer (tests of faults). */
    @FunctionalInterface
    public interface ForwardFilter {
        /**
         * @param deliver hands a request to the receiver and returns its answer
         * @return the answer the sender gets
         */
        CompletableFuture<ForwardResponse> forward(String from, String to, ForwardRequest request,
                                                   java.util.function.Function<ForwardRequest,
                                                           CompletableFuture<ForwardResponse>> deliver);
    }

    /** Installs a {@link ForwardFilter} (replacing the previous one). */
    public void filterForwards(ForwardFilter filter) {
        this.filter = java.util.Objects.requireNonNull(filter, "filter");
    }

    /** The transport of server {@code id}. */
    public Transport transport(String id) {
        return new LocalTransport(id);
    }

    /**
     * The member addresses the runtime of {@code id} last gave its transport ({@link Transport#membersChanged}),
     * or an empty map. Servers here are reached by id, so this only records what the runtime said.
     */
    public Map<String, String> members(String id) {
        return members.getOrDefault(id, Map.of());
    }

    /** Cuts every link to and from {@code id}. */
    public void isolate(String id) {
        cut.add(id);
    }

    /** Restores the links of {@code id}. */
    public void heal(String id) {
        cut.remove(id);
    }

    private boolean linked(String a, String b) {
        return !cut.contains(a) && !cut.contains(b);
    }

    private final class LocalTransport implements Transport {
        private final String id;

        LocalTransport(String id) {
            this.id = id;
        }

        @Override
        public void start(TransportReceiver receiver) {
            receivers.put(id, receiver);
        }

        @Override
        public void send(Message message) {
            TransportReceiver r = receivers.get(message.to());
            if (r != null && linked(id, message.to())) {
                r.onMessage(message);
            }
        }

        @Override
        public CompletableFuture<ForwardResponse> forward(String peer, ForwardRequest request) {
            TransportReceiver r = receivers.get(peer);
            if (r == null || !linked(id, peer)) {
                // Never delivered: a command forwarded so certainly did not take effect.
                return CompletableFuture.failedFuture(TransportException.notSent(peer + " is unreachable from " + id));
            }
            return filter.forward(id, peer, request, req -> r.onForward(id, req));
        }

        @Override
        public void membersChanged(Map<String, String> addresses) {
            // Every server is reached by id through the shared map; the addresses are recorded for tests.
            members.put(id, Map.copyOf(addresses));
        }

        @Override
        public void close() {
            receivers.remove(id);
        }
    }
}
