package io.keelraft.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A restart keeps the rule that a committed configuration supersedes the earlier ones (thesis §4.1). The runtime
 * restarts a server at its snapshot's index but keeps log entries before it (the snapshot's trailing entries),
 * so the log can still hold a joint configuration that was committed and left long ago. Found while triaging a
 * mutant of Follower.appendEntries (docs/mutation/part-c.md): before the fix such a configuration counted again
 * until the next commit, and a server removed by it believed it could still vote, and campaigned.
 */
class ConfigurationRestartTest {

    private static final ClusterConfiguration OLD = ClusterConfiguration.ofVoters(Set.of("n1", "n2", "n3"));
    private static final ClusterConfiguration NEW = ClusterConfiguration.ofVoters(Set.of("n1", "n2"));

    /** Entries 1..3: a command, C_old,new (removing n3), C_new; all applied (the snapshot is at 3). */
    private static MemoryLog logWithTheRemovalApplied() {
        MemoryLog log = MemoryLog.withTerms(1);
        ClusterConfiguration joint = new ClusterConfiguration(NEW.voters(), Set.of(), OLD.voters());
        log.append(List.of(new LogEntry(2, 1, EntryType.CONFIGURATION, joint.encode()),
                new LogEntry(3, 1, EntryType.CONFIGURATION, NEW.encode())));
        return log;
    }

    @Test
    void aServerRestartedAfterApplyingItsRemovalNeverCampaigns() {
        RaftProtocol n3 = new RaftProtocol("n3", TestCluster.ticks().build(), NEW, new HardState(1, null),
                logWithTheRemovalApplied(), 3, new SplittableRandom(29));

        assertThat(n3.configuration()).isEqualTo(NEW);
        assertThat(n3.knownServers()).as("C_old,new is superseded: n3 is in no configuration")
                .containsExactlyInAnyOrder("n1", "n2");
        for (int i = 0; i < 100; i++) {
            n3.tick();
        }
        assertThat(n3.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n3.ready().messagesAfterPersist()).isEmpty();
    }

    /** The members of C_new restart with only C_new in force, and keep talking only to its servers. */
    @Test
    void aMemberRestartedAfterTheChangeKnowsOnlyTheNewConfiguration() {
        RaftProtocol n1 = new RaftProtocol("n1", TestCluster.ticks().build(), NEW, new HardState(1, null),
                logWithTheRemovalApplied(), 3, new SplittableRandom(31));

        assertThat(n1.knownServers()).containsExactlyInAnyOrder("n1", "n2");
        assertThat(n1.configurationCommitted()).isTrue();
    }
}
