package io.keelraft.examples.counter;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.core.RaftNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server that binds one address and is reached at another (behind NAT, in a container). */
class ListenAddressTest {

    @TempDir
    Path data;

    @Test
    void aServerListeningOnTheWildcardIsReachedAtItsAdvertisedAddress() throws Exception {
        for (int attempt = 1; ; attempt++) {
            Map<String, String> members = new LinkedHashMap<>();
            int n1Port = LocalCluster.freePort();
            // Advertised at 127.0.0.2, which a server bound to 127.0.0.1 would never answer: only the wildcard does.
            members.put("n1", "127.0.0.2:" + n1Port);
            members.put("n2", "127.0.0.1:" + LocalCluster.freePort());
            members.put("n3", "127.0.0.1:" + LocalCluster.freePort());
            List<RaftNode> nodes = new ArrayList<>();
            try {
                for (String id : members.keySet()) {
                    RaftNode.Builder b = RaftNode.builder().id(id).members(members)
                            .dataDirectory(data.resolve(attempt + "-" + id)).stateMachine(new Counter());
                    if (id.equals("n1")) {
                        b.listenAddress("0.0.0.0:" + n1Port);
                    }
                    nodes.add(b.build().start());
                }
                // n1 commits only with a peer's acknowledgement, over a connection to its advertised address.
                RaftNode n1 = nodes.get(0);
                assertThat(Counter.add(n1, 7)).isEqualTo(7);
                assertThat(Counter.add(nodes.get(1), 1)).isEqualTo(8);
                assertThat(Counter.read(n1)).isEqualTo(8);
                // Bound to the wildcard, not to the advertised address: another local address reaches it too.
                try (java.net.Socket probe = new java.net.Socket("127.0.0.3", n1Port)) {
                    assertThat(probe.isConnected()).isTrue();
                }
                return;
            } catch (RuntimeException e) {
                if (attempt == 3 || !LocalCluster.isBindFailure(e)) {
                    throw e;
                }
            } finally {
                nodes.forEach(RaftNode::close);
            }
        }
    }
}
