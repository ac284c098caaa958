package io.keelraft.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.protocol.HardState;
import io.keelraft.core.spi.LogStore;
import io.keelraft.core.spi.MetaStore;
import io.keelraft.core.spi.ServerIdentity;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StoredIdentityTest {

    private static final Map<String, String> THREE = Map.of("n1", "h:1", "n2", "h:2", "n3", "h:3");
    private static final ClusterConfiguration BOOTSTRAP = ClusterConfiguration.ofVoters(THREE);

    private final Meta meta = new Meta();

    @Test
    void aNewDirectoryRecordsTheBootstrapOnceAndLaterListsDoNotChangeIt() {
        ServerIdentity first = StoredIdentity.establish(meta, log(0), false, "n3", null, BOOTSTRAP);
        assertThat(first).isEqualTo(new ServerIdentity("n3", null, BOOTSTRAP));
        assertThat(meta.identity).isEqualTo(first);

        // The restart with only itself in the list (the split-brain of issue 16) keeps the recorded three voters.
        ServerIdentity again = StoredIdentity.establish(meta, log(7), false, "n3", null,
                ClusterConfiguration.ofVoters(Map.of("n3", "h:3")));
        assertThat(again.bootstrap()).isEqualTo(BOOTSTRAP);
    }

    @Test
    void anotherServersDirectoryIsRefused() {
        StoredIdentity.establish(meta, log(0), false, "n1", null, BOOTSTRAP);
        assertThatThrownBy(() -> StoredIdentity.establish(meta, log(3), false, "n2", null, BOOTSTRAP))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("belongs to server 'n1', not to 'n2'");
    }

    @Test
    void anotherClustersDirectoryIsRefusedWhenTheClusterIdIsGiven() {
        meta.identity = new ServerIdentity("n1", "blue", BOOTSTRAP);
        assertThatThrownBy(() -> StoredIdentity.establish(meta, log(3), false, "n1", "green", BOOTSTRAP))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("belongs to cluster 'blue'").hasMessageContaining("'green'");
        assertThat(StoredIdentity.establish(meta, log(3), false, "n1", "blue", BOOTSTRAP).clusterId())
                .isEqualTo("blue");
    }

    @Test
    void aGivenClusterIdIsRecordedWhenNoneWasKnown() {
        meta.identity = new ServerIdentity("n1", null, BOOTSTRAP);
        StoredIdentity.establish(meta, log(3), false, "n1", "blue", BOOTSTRAP);
        assertThat(meta.identity.clusterId()).isEqualTo("blue");
    }

    @Test
    void aDirectoryFromBeforeIdentitiesIsAdoptedWithTheListOfThisStart() {
        meta.hardState = new HardState(4, "n2");
        ServerIdentity adopted = StoredIdentity.establish(meta, log(12), false, "n1", null, BOOTSTRAP);
        assertThat(adopted.bootstrap()).isEqualTo(BOOTSTRAP);
        assertThat(meta.identity).isEqualTo(adopted);
    }

    @Test
    void theMemberListIsAnAddressBook() {
        // Any subset, and unknown servers, are fine (the unknown ones are ignored with a warning).
        assertThatCode(() -> StoredIdentity.checkAddressBook("n3", Map.of("n3", "h:3"), BOOTSTRAP))
                .doesNotThrowAnyException();
        assertThatCode(() -> StoredIdentity.checkAddressBook("n1", Map.of("n1", "h:1", "n9", "h:9"), BOOTSTRAP))
                .doesNotThrowAnyException();
        // A different address for a member contradicts the stored configuration: refused, naming both.
        assertThatThrownBy(() -> StoredIdentity.checkAddressBook("n1", Map.of("n1", "h:1", "n2", "other:2"),
                BOOTSTRAP)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("n2 = other:2").hasMessageContaining("n2 = h:2");
    }

    private static LogStore log(long lastIndex) {
        return (LogStore) Proxy.newProxyInstance(LogStore.class.getClassLoader(), new Class<?>[] {LogStore.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "lastIndex" -> lastIndex;
                    case "snapshotIndex", "snapshotTerm" -> 0L;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static final class Meta implements MetaStore {
        HardState hardState = HardState.INITIAL;
        ServerIdentity identity;

        @Override
        public HardState load() {
            return hardState;
        }

        @Override
        public void save(HardState state) {
            hardState = state;
        }

        @Override
        public Optional<ServerIdentity> loadIdentity() {
            return Optional.ofNullable(identity);
        }

        @Override
        public void saveIdentity(ServerIdentity saved) {
            identity = saved;
        }

        @Override
        public void close() {
        }
    }
}
