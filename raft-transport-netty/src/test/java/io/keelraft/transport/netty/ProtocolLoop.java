package io.keelraft.transport.netty;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.EntryType;
import io.keelraft.core.protocol.HardState;
import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.protocol.Message;
import io.keelraft.core.RaftOptions;
import io.keelraft.core.protocol.RaftProtocol;
import io.keelraft.core.protocol.Ready;
import io.keelraft.core.Role;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.spi.TransportReceiver;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The smallest driver of a {@link RaftProtocol} (see {@link Ready}): one thread owns it, ticks it every 20 ms,
 * steps what the transport delivers, persists into an {@link InMemoryLog} at once, and sends what it must.
 */
final class ProtocolLoop implements TransportReceiver, AutoCloseable {

    static final long TICK_MILLIS = 20;

    private final ScheduledExecutorService thread;
    private final InMemoryLog log = new InMemoryLog();
    private final RaftProtocol protocol;
    private final NettyTransport transport;
    /** Committed command payloads, in order, as the state machine would apply them. */
    final List<String> applied = new CopyOnWriteArrayList<>();
    private volatile HardState hardState = HardState.INITIAL;

    ProtocolLoop(String id, ClusterConfiguration voters, NettyTransportOptions options, long seed) {
        this.thread = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("raft-" + id, true));
        this.protocol = new RaftProtocol(id, RaftOptions.defaults(), voters, HardState.INITIAL, log, 0,
                new SplittableRandom(seed));
        this.transport = new NettyTransport(options);
    }

    void start() {
        transport.start(this);
        thread.scheduleAtFixedRate(() -> {
            protocol.tick();
            drain();
        }, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onMessage(Message message) {
        thread.execute(() -> {
            protocol.step(message);
            drain();
        });
    }

    @Override
    public CompletableFuture<ForwardResponse> onForward(String from, ForwardRequest request) {
        return CompletableFuture.completedFuture(new ForwardResponse.Failed(ForwardResponse.Reason.INTERNAL, null,
                "not used in this test"));
    }

    /** Proposes on this server's thread; true when it is the leader and took the command. */
    boolean propose(String command) {
        return call(() -> {
            boolean accepted = protocol.propose(command.getBytes()).accepted();
            drain();
            return accepted;
        });
    }

    Role role() {
        return call(protocol::role);
    }

    long term() {
        return call(protocol::currentTerm);
    }

    NettyTransport transport() {
        return transport;
    }

    /** Does what each Ready asks, in the order {@link Ready} gives. */
    private void drain() {
        while (protocol.hasReady()) {
            Ready ready = protocol.ready();
            if (ready.hardState() != null) {
                hardState = ready.hardState();
                protocol.hardStatePersisted(hardState);
            }
            log.append(ready.entriesToAppend());
            ready.messages().forEach(transport::send);
            // Durable already: the in-memory log is "on disk" as soon as append returns.
            ready.messagesAfterPersist().forEach(transport::send);
            if (!ready.entriesToAppend().isEmpty()) {
                LogEntry last = ready.entriesToAppend().get(ready.entriesToAppend().size() - 1);
                protocol.persisted(last.index(), last.term());
            }
            for (LogEntry e : ready.committedEntries()) {
                if (e.type() == EntryType.COMMAND) {
                    applied.add(new String(e.payload()));
                }
            }
        }
    }

    private <T> T call(Callable<T> task) {
        try {
            return thread.submit(task).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        transport.close();
        thread.shutdownNow();
    }
}
