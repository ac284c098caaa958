package io.keelraft.core.protocol;

import io.keelraft.core.ClusterConfiguration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Which configuration is in force, and which servers may still talk to this one (thesis §4.1): the latest
 * configuration in the log, committed or not; a truncated one is undone, a snapshot replaces them all, and a
 * committed one supersedes the earlier ones. Found by mutation testing (docs/MUTATION.md).
 */
class ConfigurationLogTest {

    private static final ClusterConfiguration ABC = ClusterConfiguration.ofVoters(Set.of("a", "b", "c"));
    private static final ClusterConfiguration ABD = ClusterConfiguration.ofVoters(Set.of("a", "b", "d"));
    private static final ClusterConfiguration ABDE = ClusterConfiguration.ofVoters(Set.of("a", "b", "d", "e"));
    private static final ClusterConfiguration SNAPSHOT = ClusterConfiguration.ofVoters(Set.of("a", "b", "x"));

    @Test
    void theLatestConfigurationInTheLogIsInForceCommittedOrNot() {
        ConfigurationLog log = new ConfigurationLog(0, ABC);
        log.appended(List.of(command(4), config(5, ABD), command(6)));

        assertThat(log.active()).isEqualTo(ABD);
        assertThat(log.activeIndex()).isEqualTo(5);
        assertThat(log.knownServers()).as("c may still be needed until ABD commits")
                .containsExactlyInAnyOrder("a", "b", "c", "d");
        assertThat(log.isVoterInAny("c")).isTrue();
    }

    @Test
    void anInstalledSnapshotReplacesEveryConfigurationOfTheDiscardedLog() {
        // Figure 13 rule 7: the log is discarded, with the uncommitted configuration at 12 in it.
        ConfigurationLog log = new ConfigurationLog(0, ABC);
        log.appended(List.of(config(5, ABD)));
        log.appended(List.of(config(12, ABDE)));
        assertThat(log.active()).isEqualTo(ABDE);

        log.reset(10, SNAPSHOT);

        assertThat(log.active()).isEqualTo(SNAPSHOT);
        assertThat(log.activeIndex()).isEqualTo(10);
        assertThat(log.knownServers()).containsExactlyInAnyOrder("a", "b", "x");
        assertThat(log.isVoterInAny("e")).isFalse();
        assertThat(log.isVoterInAny("c")).isFalse();
    }

    @Test
    void aTruncatedConfigurationIsUndoneAndTheEarlierOneIsInForceAgain() {
        ConfigurationLog log = new ConfigurationLog(0, ABC);
        log.appended(List.of(config(5, ABD), config(8, ABDE)));

        log.truncatedFrom(9);
        assertThat(log.active()).isEqualTo(ABDE);
        log.truncatedFrom(6);
        assertThat(log.active()).isEqualTo(ABD);
        assertThat(log.knownServers()).containsExactlyInAnyOrder("a", "b", "c", "d");
        log.truncatedFrom(5);
        assertThat(log.active()).isEqualTo(ABC);
        assertThat(log.activeIndex()).isZero();
        assertThat(log.knownServers()).containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    void noTruncationRemovesTheConfigurationAtTheBaseOfTheLog() {
        // The base configuration is at or below commitIndex, which no leader ever truncates (paper §5.4).
        ConfigurationLog log = new ConfigurationLog(3, ABC);
        log.appended(List.of(config(5, ABD)));
        assertThatThrownBy(() -> log.truncatedFrom(3)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> log.truncatedFrom(1)).isInstanceOf(IllegalStateException.class);
        assertThat(log.active()).isEqualTo(ABD);
    }

    @Test
    void aCommittedConfigurationSupersedesTheEarlierOnesAndSaysSoOnce() {
        // The leader resynchronises its replication progress when committed() reports a drop (c is gone for good).
        ConfigurationLog log = new ConfigurationLog(0, ABC);
        log.appended(List.of(config(5, ABD), config(8, ABDE)));

        assertThat(log.committed(4)).as("nothing superseded yet").isFalse();
        assertThat(log.knownServers()).contains("c");

        assertThat(log.committed(5)).isTrue();
        assertThat(log.knownServers()).containsExactlyInAnyOrder("a", "b", "d", "e");
        assertThat(log.isVoterInAny("c")).isFalse();
        assertThat(log.committed(7)).as("nothing more to drop").isFalse();
        assertThat(log.active()).isEqualTo(ABDE);

        assertThat(log.committed(8)).isTrue();
        assertThat(log.active()).isEqualTo(ABDE);
        assertThat(log.committed(20)).isFalse();
    }

    private static LogEntry config(long index, ClusterConfiguration c) {
        return new LogEntry(index, 1, EntryType.CONFIGURATION, c.encode());
    }

    private static LogEntry command(long index) {
        return new LogEntry(index, 1, EntryType.COMMAND, new byte[] {1});
    }
}
