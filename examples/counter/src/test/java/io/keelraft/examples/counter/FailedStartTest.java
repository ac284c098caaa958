package io.keelraft.examples.counter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.keelraft.core.RaftNode;
import io.keelraft.core.TransportException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A start that fails (its port is taken) releases what it opened: a retry in the same process succeeds. */
class FailedStartTest {

    @TempDir
    Path dir;

    @Test
    void aStartOnATakenPortReleasesTheDataDirectoryForARetry() throws Exception {
        Map<String, String> members;
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            members = Map.of("n1", "127.0.0.1:" + taken.getLocalPort());
            assertThatThrownBy(() -> Counter.start("n1", members, dir)).isInstanceOf(TransportException.class)
                    .hasMessageContaining("cannot listen on");
        }
        // The port is free again (the old process has gone, say). Without the clean-up this retry failed with
        // "already open in this process".
        try (RaftNode node = Counter.start("n1", members, dir)) {
            await().ignoreExceptions().atMost(Duration.ofSeconds(30)).until(() -> Counter.add(node, 3) == 3);
            assertThat(Counter.read(node)).isEqualTo(3);
        }
    }
}
