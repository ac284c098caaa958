package io.keelraft.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Network partitions with iptables, in a chain of this run's own ({@code KEEL-F-<pid>-<run>}) that INPUT jumps
 * to: loopback packets between the node aliases pass INPUT on arrival, and the transport binds its outgoing
 * connections to the node's own address, so {@code -s A -d B} names the packets A sends to B. The rules drop on
 * INPUT, where a real network loses packets: after they left the sender, whose own stack sees nothing. A DROP on
 * OUTPUT instead fails the sender's IP output locally (EPERM inside the kernel), which TCP may treat as a local
 * error rather than a loss. Measured on Linux 6.18 with an established loopback connection, both back off the
 * same way (60 s of drop, then the data arrived 46 s after the heal either way), so the stall after a long
 * partition is exercised either way; INPUT is the faithful one. Rules match only TCP packets to or
 * from the two nodes' raft ports, so client traffic (from {@link KvCluster#CLIENT_HOST} anyway) and anything else
 * on the machine pass. Healing flushes the chain; {@link #close} removes the jump and the chain.
 */
public final class NetworkFaults implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NetworkFaults.class);
    /** Every chain this harness creates starts so; the pid after it tells whose it is. */
    static final String CHAIN_PREFIX = "KEEL-F-";
    private static final Pattern CHAIN = Pattern.compile("^-N (" + CHAIN_PREFIX + "(\\d+)-\\d+)$");

    /** The built-in chain that jumps to ours. */
    static final String JUMP_FROM = "INPUT";

    private final String chain;
    private final KvCluster cluster;
    private boolean installed;

    /** Plans the chain {@code KEEL-F-<this pid>-<run>}; nothing changes until {@link #install}. */
    public NetworkFaults(KvCluster cluster, int run) {
        this.cluster = cluster;
        this.chain = CHAIN_PREFIX + ProcessHandle.current().pid() + "-" + run;
    }

    /** Whether iptables can be used here: root, and the command runs. */
    public static boolean available() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return false;
        }
        return Shell.run(List.of("iptables", "-w", "-S", "INPUT")).ok();
    }

    /** Removes the chains of harness processes that are gone (killed before they could clean up). */
    public static void removeLeftoverChains() {
        Shell.Result list = Shell.run(List.of("iptables", "-w", "-S"));
        for (String line : list.output().split("\n")) {
            Matcher m = CHAIN.matcher(line.strip());
            if (m.matches() && !ProcessHandle.of(Long.parseLong(m.group(2))).map(ProcessHandle::isAlive).orElse(false)) {
                LOG.warn("removing iptables chain {} left by a harness process that is gone", m.group(1));
                remove(m.group(1));
            }
        }
    }

    public String chain() {
        return chain;
    }

    /** Creates the chain and the jump to it from INPUT. */
    public synchronized void install() {
        Shell.check(List.of("iptables", "-w", "-N", chain));
        installed = true;
        Shell.check(List.of("iptables", "-w", "-I", JUMP_FROM, "1", "-j", chain));
    }

    /** Adds the rules that cut {@code partition}'s links (on top of any already there). */
    public synchronized void apply(Partition partition) {
        for (Partition.Link link : partition.links()) {
            Shell.check(dropRule(chain, cluster.node(link.from()), cluster.node(link.to())));
        }
    }

    /** The iptables command that drops raft packets {@code from} sends to {@code to}. */
    static List<String> dropRule(String chain, KvCluster.Node from, KvCluster.Node to) {
        return List.of("iptables", "-w", "-A", chain, "-s", from.host() + "/32", "-d", to.host() + "/32", "-p", "tcp",
                "-m", "multiport", "--ports", from.raftPort() + "," + to.raftPort(), "-j", "DROP");
    }

    /** Removes every rule of this run: the network is whole again. */
    public synchronized void heal() {
        if (installed) {
            Shell.check(List.of("iptables", "-w", "-F", chain));
        }
    }

    /** The rules in force, as {@code iptables -S} prints them. */
    public synchronized List<String> rules() {
        List<String> rules = new ArrayList<>();
        if (installed) {
            for (String line : Shell.run(List.of("iptables", "-w", "-S", chain)).output().split("\n")) {
                if (line.startsWith("-A ")) {
                    rules.add(line);
                }
            }
        }
        return rules;
    }

    /** Removes the jump and the chain; safe to call more than once. */
    @Override
    public synchronized void close() {
        if (installed) {
            remove(chain);
            installed = false;
        }
    }

    private static void remove(String chain) {
        // The jump may have been inserted more than once by an interrupted start; delete until none is left. A
        // chain left by an older harness may still be jumped to from OUTPUT.
        for (String from : List.of(JUMP_FROM, "OUTPUT")) {
            for (int i = 0; i < 10 && Shell.run(List.of("iptables", "-w", "-D", from, "-j", chain)).ok(); i++) {
                LOG.debug("removed a jump to {} from {}", chain, from);
            }
        }
        Shell.run(List.of("iptables", "-w", "-F", chain));
        Shell.Result x = Shell.run(List.of("iptables", "-w", "-X", chain));
        if (x.exitCode() != 0 && !x.output().contains("No chain")) {
            LOG.warn("could not delete iptables chain {}: {}", chain, x.output().strip());
        }
    }
}
