package io.keelraft.core.runtime;

import io.keelraft.core.ClusterConfiguration;
import io.keelraft.core.spi.Transport;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the transport's peer set and the leader-hint addresses in step with the configuration in force (thesis
 * §4: membership changes add servers the others were not started with). The raft loop calls {@link #update}
 * after every Ready; only a change of the member set or of an address reaches the transport
 * ({@link Transport#membersChanged}).
 *
 * <p>Who is reachable: every member of the configuration (voters, outgoing voters, learners), at the address the
 * configuration records, or else the one the server was built with (a cluster bootstrapped from
 * {@code members(...)} whose configuration carries no addresses still works). This server is named only while it
 * is a member. A server waiting to be added (its configuration has no members yet) dials no one: the members would
 * refuse it until the configuration adding it reaches them, and the leader dials it once it is added. The
 * addresses it was built with still serve as fallbacks once it learns the configuration.
 *
 * <p>Raft-loop confined, except {@link #addressOf}, which any thread may call.
 */
final class MembershipWatcher {

    private static final Logger LOG = LoggerFactory.getLogger(MembershipWatcher.class);

    private final String selfId;
    private final Map<String, String> builtWith;
    private final Transport transport;
    private ClusterConfiguration last;
    private Set<String> lastStillKnown = Set.of();
    /** What the transport was told last; null before the first call. */
    private Map<String, String> told;
    /** Every address known: what the node was built with, overlaid by the configurations seen since. */
    private volatile Map<String, String> known;

    MembershipWatcher(String selfId, Map<String, String> builtWith, Transport transport) {
        this.selfId = Objects.requireNonNull(selfId, "selfId");
        this.builtWith = Map.copyOf(builtWith);
        this.transport = Objects.requireNonNull(transport, "transport");
        this.known = this.builtWith;
    }

    /** {@link #update(ClusterConfiguration, Set)} with only {@code configuration}'s members still known. */
    void update(ClusterConfiguration configuration) {
        update(configuration, configuration.members());
    }

    /**
     * Tells the transport when the servers to reach or their addresses differ from the last ones told: the members
     * of {@code configuration} and {@code stillKnown} (the protocol's {@code serversToReach()}: the servers of
     * earlier configurations not yet superseded by a committed one, and the leader of the current term). A leader
     * that removes itself must hear its followers' acknowledgements of the configuration without it before it can
     * commit it (thesis §4.2.2), and then still hands leadership over (§3.10), so followers keep reaching it until
     * a new term begins.
     */
    void update(ClusterConfiguration configuration, Set<String> stillKnown) {
        if (configuration == last && stillKnown.equals(lastStillKnown)) {
            return;
        }
        last = configuration;
        lastStillKnown = Set.copyOf(stillKnown);
        Map<String, String> all = new TreeMap<>(known);
        all.putAll(configuration.addresses());
        known = Collections.unmodifiableMap(all);
        Set<String> ids = new TreeSet<>(configuration.members());
        ids.addAll(stillKnown);
        Map<String, String> reachable = reachable(configuration, ids);
        if (reachable.equals(told)) {
            return;
        }
        told = reachable;
        LOG.info("{}: members {} (voters {}, learners {}{}), reachable at {}", selfId, configuration.members(),
                configuration.voters(), configuration.learners(),
                configuration.isJoint() ? ", outgoing voters " + configuration.outgoingVoters() : "", reachable);
        transport.membersChanged(reachable);
    }

    /** What the transport is told for {@code configuration} (see the class comment). */
    Map<String, String> reachable(ClusterConfiguration configuration) {
        return reachable(configuration, configuration.members());
    }

    private Map<String, String> reachable(ClusterConfiguration configuration, Set<String> ids) {
        Map<String, String> out = new TreeMap<>();
        for (String id : ids) {
            String address = configuration.addresses().getOrDefault(id, known.get(id));
            if (address != null) {
                out.put(id, address);
            }
        }
        if (!configuration.members().contains(selfId)) {
            out.remove(selfId);
        } else {
            // Where this server listens is fixed at start; the configuration's record of it is informational.
            String own = builtWith.getOrDefault(selfId, configuration.addresses().get(selfId));
            if (own != null) {
                out.put(selfId, own);
            }
        }
        return out;
    }

    /** The address of server {@code id} from any configuration seen or the builder, or null: leader hints. */
    String addressOf(String id) {
        return id == null ? null : known.get(id);
    }
}
