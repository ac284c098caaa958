package io.keelraft.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

/** Settings of a {@link RaftClient}: {@link #servers} is required, everything else has a default. */
public final class RaftClientBuilder {

    final List<String> servers = new ArrayList<>();
    Duration requestTimeout = Duration.ofSeconds(10);
    int maxInFlight = 1024;
    int maxQueued = 100_000;
    int maxFrameBytes = 16 << 20;
    Executor callbackExecutor;
    String name = "keel-client";

    RaftClientBuilder() {
    }

    /** The group's servers, {@code host:port} of their Raft ports (any subset; the client follows redirects). */
    public RaftClientBuilder servers(String... addresses) {
        return servers(List.of(addresses));
    }

    /** The group's servers, {@code host:port} of their Raft ports. */
    public RaftClientBuilder servers(List<String> addresses) {
        addresses.forEach(a -> servers.add(ServerConnection.checkAddress(a)));
        return this;
    }

    /** The members as {@code RaftNode.Builder.members} takes them: id to {@code host:port}. */
    public RaftClientBuilder servers(Map<String, String> members) {
        return servers(new ArrayList<>(members.values()));
    }

    /** How long a request may take, retries included (default 10 s). */
    public RaftClientBuilder requestTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive, was " + timeout);
        }
        this.requestTimeout = timeout;
        return this;
    }

    /** Requests on the wire at once (default 1,024); more wait in the client. */
    public RaftClientBuilder maxInFlight(int requests) {
        if (requests < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, was " + requests);
        }
        this.maxInFlight = requests;
        return this;
    }

    /** Requests that may wait for the window (default 100,000); more fail at once, not sent. */
    public RaftClientBuilder maxQueued(int requests) {
        if (requests < 0) {
            throw new IllegalArgumentException("maxQueued must not be negative, was " + requests);
        }
        this.maxQueued = requests;
        return this;
    }

    /** Where futures complete; by default on the client's I/O thread (do not block in callbacks then). */
    public RaftClientBuilder callbackExecutor(Executor executor) {
        this.callbackExecutor = Objects.requireNonNull(executor, "executor");
        return this;
    }

    /** A name for the servers' log lines. */
    public RaftClientBuilder name(String clientName) {
        this.name = Objects.requireNonNull(clientName, "name");
        return this;
    }

    /** Builds the client; it connects on its first request. */
    public RaftClient build() {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no servers: give at least one host:port");
        }
        return new RaftClient(this);
    }
}
