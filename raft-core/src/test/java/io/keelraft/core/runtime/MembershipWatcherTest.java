package io.keelraft.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.Message;
import io.keelraft.core.spi.ForwardRequest;
import io.keelraft.core.spi.ForwardResponse;
import io.keelraft.core.spi.Transport;
import io.keelraft.core.spi.TransportReceiver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class MembershipWatcherTest {

    private static final Map<String, String> BUILT = Map.of("n1", "h1:1", "n2", "h2:2", "n3", "h3:3");

    private final Recording transport = new Recording();

    @Test
    void bootstrapWithoutAddressesUsesTheBuildersAddresses() {
        MembershipWatcher w = new MembershipWatcher("n1", BUILT, transport);
        w.update(new ClusterConfiguration(Set.of("n1", "n2", "n3"), Set.of(), Set.of()));
        assertThat(transport.calls).containsExactly(BUILT);
    }

    @Test
    void addedServerBecomesReachableAndResolvesAsLeaderHint() {
        MembershipWatcher w = new MembershipWatcher("n1", BUILT, transport);
        ClusterConfiguration three = ClusterConfiguration.ofVoters(BUILT);
        w.update(three);
        assertThat(w.addressOf("n4")).isNull();
        w.update(new ClusterConfiguration(Set.of("n1", "n2", "n3"), Set.of("n4"), Set.of(),
                Map.of("n4", "h4:4")));
        assertThat(transport.calls).hasSize(2);
        assertThat(transport.calls.get(1)).isEqualTo(Map.of("n1", "h1:1", "n2", "h2:2", "n3", "h3:3", "n4", "h4:4"));
        assertThat(w.addressOf("n4")).isEqualTo("h4:4");
    }

    @Test
    void aRemovedServerStaysReachableUntilTheConfigurationWithoutItIsCommitted() {
        MembershipWatcher w = new MembershipWatcher("n1", BUILT, transport);
        w.update(ClusterConfiguration.ofVoters(BUILT));
        // C_new without n3 is in the log, not committed yet: n3 (perhaps the leader removing itself) is still known.
        ClusterConfiguration withoutN3 = new ClusterConfiguration(Set.of("n1", "n2"), Set.of(), Set.of(), BUILT);
        w.update(withoutN3, Set.of("n1", "n2", "n3"));
        assertThat(transport.calls).hasSize(1); // nothing changed for the transport yet
        // committed: n3 is dropped
        w.update(withoutN3, Set.of("n1", "n2"));
        assertThat(transport.calls).hasSize(2);
        assertThat(transport.calls.get(1)).isEqualTo(Map.of("n1", "h1:1", "n2", "h2:2"));
    }

    @Test
    void unchangedConfigurationIsNotRepeated() {
        MembershipWatcher w = new MembershipWatcher("n1", BUILT, transport);
        w.update(ClusterConfiguration.ofVoters(BUILT));
        w.update(ClusterConfiguration.ofVoters(BUILT));
        // A new instance with the same members and addresses (e.g. promoting a learner's entry) is no change.
        w.update(ClusterConfiguration.ofVoters(BUILT));
        assertThat(transport.calls).hasSize(1);
    }

    @Test
    void removedServerIsNoLongerListedButItsAddressStillServesHints() {
        MembershipWatcher w = new MembershipWatcher("n1", BUILT, transport);
        w.update(ClusterConfiguration.ofVoters(BUILT));
        w.update(new ClusterConfiguration(Set.of("n1", "n2"), Set.of(), Set.of(), BUILT));
        assertThat(transport.calls.get(1)).isEqualTo(Map.of("n1", "h1:1", "n2", "h2:2"));
        assertThat(w.addressOf("n3")).isEqualTo("h3:3");
    }

    @Test
    void serverWaitingToBeAddedDialsNoOneAndLaterUsesTheAddressesItWasGiven() {
        Map<String, String> built = Map.of("n4", "h4:4", "n1", "h1:1", "n2", "h2:2");
        MembershipWatcher w = new MembershipWatcher("n4", built, transport);
        w.update(new ClusterConfiguration(Set.of(), Set.of(), Set.of()));
        // Not named itself (so its transport admits whoever leads), and no one to dial.
        assertThat(transport.calls.get(0)).isEmpty();
        assertThat(w.addressOf("n1")).isEqualTo("h1:1");
        // It learns the configuration adding it from the leader, with a leader it was never told about.
        w.update(new ClusterConfiguration(Set.of("n1", "n2", "n5"), Set.of("n4"), Set.of(),
                Map.of("n5", "h5:5", "n4", "h4:4")));
        assertThat(transport.calls.get(1)).isEqualTo(Map.of("n1", "h1:1", "n2", "h2:2", "n4", "h4:4",
                "n5", "h5:5"));
        assertThat(w.addressOf("n5")).isEqualTo("h5:5");
    }

    @Test
    void removedSelfIsNotNamed() {
        MembershipWatcher w = new MembershipWatcher("n3", BUILT, transport);
        w.update(new ClusterConfiguration(Set.of("n1", "n2"), Set.of(), Set.of()));
        assertThat(transport.calls.get(0)).isEqualTo(Map.of("n1", "h1:1", "n2", "h2:2"));
    }

    private static final class Recording implements Transport {
        final List<Map<String, String>> calls = new ArrayList<>();

        @Override
        public void start(TransportReceiver receiver) {
        }

        @Override
        public void send(Message message) {
        }

        @Override
        public CompletableFuture<ForwardResponse> forward(String peer, ForwardRequest request) {
            return new CompletableFuture<>();
        }

        @Override
        public void membersChanged(Map<String, String> addresses) {
            calls.add(addresses);
        }

        @Override
        public void close() {
        }
    }
}
