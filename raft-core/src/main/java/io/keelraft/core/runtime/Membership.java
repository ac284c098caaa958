package io.keelraft.core.runtime;

import io.keelraft.core.ClusterConfiguration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The single-server edits of a configuration behind RaftNode's convenience calls; each names what is wrong. */
public final class Membership {

    private Membership() {
    }

    /** {@code c} with {@code server} added as a learner at {@code address} (may be null). */
    public static ClusterConfiguration withLearner(ClusterConfiguration c, String server, String address) {
        if (c.members().contains(server)) {
            throw new IllegalArgumentException("server " + server + " is already a member ("
                    + (c.voters().contains(server) ? "voter" : "learner") + ")");
        }
        Set<String> learners = new TreeSet<>(c.learners());
        learners.add(server);
        ClusterConfiguration next = new ClusterConfiguration(c.voters(), learners, Set.of(), c.addresses());
        return address == null ? next : next.withAddresses(Map.of(server, address));
    }

    /** {@code c} with learner {@code server} made a voter. */
    public static ClusterConfiguration promoted(ClusterConfiguration c, String server) {
        if (!c.learners().contains(server)) {
            throw new IllegalArgumentException("server " + server + " is not a learner (voters " + c.voters()
                    + ", learners " + c.learners() + ")");
        }
        Set<String> voters = new TreeSet<>(c.voters());
        Set<String> learners = new TreeSet<>(c.learners());
        learners.remove(server);
        voters.add(server);
        return new ClusterConfiguration(voters, learners, Set.of(), c.addresses());
    }

    /** {@code c} without {@code server}. */
    public static ClusterConfiguration without(ClusterConfiguration c, String server) {
        if (!c.members().contains(server)) {
            throw new IllegalArgumentException("server " + server + " is not a member (voters " + c.voters()
                    + ", learners " + c.learners() + ")");
        }
        Set<String> voters = new TreeSet<>(c.voters());
        Set<String> learners = new TreeSet<>(c.learners());
        voters.remove(server);
        learners.remove(server);
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("cannot remove " + server + ": it is the last voter");
        }
        return new ClusterConfiguration(voters, learners, Set.of(), c.addresses());
    }
}
