package io.keelraft.transport.netty;

import io.keelraft.core.protocol.Message;
import io.keelraft.core.spi.ClientCall;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.spi.TransportReceiver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;

/**
 * Keeps every message and remote client's request delivered to it (the test answers the latter); answers
 * forwarded requests with a function the test sets.
 */
final class RecordingReceiver implements TransportReceiver {

    final List<Message> messages = new CopyOnWriteArrayList<>();
    final List<ClientCall> clientCalls = new CopyOnWriteArrayList<>();
    volatile BiFunction<String, ForwardRequest, CompletableFuture<ForwardResponse>> forwards =
            (from, request) -> CompletableFuture.completedFuture(new ForwardResponse.Failed(
                    ForwardResponse.Reason.NOT_LEADER, null, "test receiver answers nothing"));

    @Override
    public void onMessage(Message message) {
        messages.add(message);
    }

    @Override
    public void onClientRequests(List<? extends ClientCall> calls) {
        clientCalls.addAll(calls);
    }

    @Override
    public CompletableFuture<ForwardResponse> onForward(String from, ForwardRequest request) {
        return forwards.apply(from, request);
    }

    List<Message> from(String peer) {
        return messages.stream().filter(m -> m.from().equals(peer)).toList();
    }
}
