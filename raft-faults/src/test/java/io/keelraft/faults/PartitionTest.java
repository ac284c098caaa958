package io.keelraft.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PartitionTest {

    private static final List<String> FIVE = List.of("n1", "n2", "n3", "n4", "n5");

    @Test
    void majorityAndMinorityCannotTalkInEitherDirection() {
        for (long seed = 0; seed < 50; seed++) {
            Partition p = Partition.majorityMinority(FIVE, new Random(seed));
            Set<String> cutOff = p.links().stream().map(Partition.Link::from).collect(Collectors.toSet());
            assertThat(cutOff).hasSize(5); // everyone loses someone
            long minority = FIVE.stream().filter(n -> p.links().stream().filter(l -> l.from().equals(n)).count() >= 3)
                    .count();
            assertThat(minority).isBetween(1L, 2L); // the minority's nodes each lose the 3 or 4 others
            for (Partition.Link l : p.links()) {
                assertThat(p.links()).contains(new Partition.Link(l.to(), l.from()));
            }
        }
    }

    @Test
    void theBridgeSeesBothSides() {
        Partition p = Partition.bridge(FIVE, new Random(7));
        String bridge = p.name().split(" ")[1];
        assertThat(p.links()).noneMatch(l -> l.from().equals(bridge) || l.to().equals(bridge));
        assertThat(p.links()).hasSize(2 * 2 * 2); // two halves of two, both directions
    }

    @Test
    void oneWayDropsOnlyWhatOneNodeSends() {
        Partition p = Partition.oneWayFrom("n2", List.of("n1", "n2", "n3"));
        assertThat(p.links()).containsExactlyInAnyOrder(new Partition.Link("n2", "n1"), new Partition.Link("n2", "n3"));
    }

    @Test
    void isolationCutsBothDirections() {
        Partition p = Partition.isolate("n1", List.of("n1", "n2", "n3"));
        assertThat(p.links()).containsExactlyInAnyOrder(new Partition.Link("n1", "n2"), new Partition.Link("n2", "n1"),
                new Partition.Link("n1", "n3"), new Partition.Link("n3", "n1"));
    }

    @Test
    void theSameSeedCutsTheSameLinks() {
        assertThat(Partition.majorityMinority(FIVE, new Random(3))).isEqualTo(Partition.majorityMinority(FIVE,
                new Random(3)));
    }

    @Test
    void aDropRuleNamesOnlyRaftTrafficBetweenTwoNodeAddresses() {
        KvCluster.Node a = new KvCluster.Node("n1", "127.0.0.1", 7001, 6001, Path.of("d1"), Path.of("l1"), false);
        KvCluster.Node b = new KvCluster.Node("n2", "127.0.0.2", 7002, 6002, Path.of("d2"), Path.of("l2"), false);
        assertThat(String.join(" ", NetworkFaults.dropRule("KEEL-F-1-0", a, b))).isEqualTo(
                "iptables -w -A KEEL-F-1-0 -s 127.0.0.1/32 -d 127.0.0.2/32 -p tcp -m multiport --ports 7001,7002 -j DROP");
    }
}
