package io.keelraft.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.NodeStatus;
import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.Role;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** RAFT.INFO shows the configuration in force, with roles and addresses. */
class LocalCommandsInfoTest {

    private static NodeStatus status(ClusterConfiguration c) {
        return new NodeStatus("n1", Role.FOLLOWER, 3, "n2", 10, 10, 10, Map.of(), c, "c-1", null);
    }

    @Test
    void jointConfigurationShowsVotersLearnersAndOutgoingWithAddresses() {
        LocalCommands local = new LocalCommands(null, Map.of("n1", "h1:1", "n3", "h3:3"));
        ClusterConfiguration joint = new ClusterConfiguration(Set.of("n1", "n2", "n4"), Set.of("n5"),
                Set.of("n1", "n2", "n3"), Map.of("n2", "h2:2", "n4", "h4:4", "n5", "h5:5"));
        assertThat(local.raftInfo(status(joint))).contains(
                "members:n1=h1:1,n2=h2:2,n3=h3:3,n4=h4:4,n5=h5:5",
                "roles:n1=voter,n2=voter,n3=outgoing,n4=voter,n5=learner",
                "configuration:joint");
    }

    @Test
    void serverWaitingToBeAddedSaysSo() {
        LocalCommands local = new LocalCommands(null, Map.of("n4", "h4:4", "n1", "h1:1"));
        assertThat(local.raftInfo(status(new ClusterConfiguration(Set.of(), Set.of(), Set.of()))))
                .contains("members:", "roles:", "configuration:none (waiting to be added)");
    }

    @Test
    void unknownAddressIsAQuestionMark() {
        LocalCommands local = new LocalCommands(null, Map.of());
        assertThat(local.raftInfo(status(ClusterConfiguration.ofVoters(Set.of("n1")))))
                .contains("members:n1=?", "roles:n1=voter", "configuration:stable", "clusterId:c-1");
    }
}
