package io.keelraft.examples.kv;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The command line of {@code keel-kv.jar}, checked: each flag once, each with a value (but {@code --join}),
 * addresses as host:port, this server among the members at its --raft address (with {@code --join} it is added
 * to them when missing).
 *
 * @param join start as a server waiting to be added to an existing cluster ({@code RaftNode.Builder#joining()}):
 *             {@code members} are then servers of that cluster, not a configuration to bootstrap
 * @param maxClients        the client connections served at once (lowered at start to fit the descriptor limit)
 * @param clientIdleTimeout how long a client connection may be idle before it is closed; zero for ever
 * @param forceNewConfiguration disaster recovery only: voters to force ({@code RaftNode.Builder
 *                          #forceNewConfiguration}), or null
 */
record ServerFlags(String id, HostPort raft, HostPort resp, Path data, Map<String, String> members,
                   String clusterId, int maxValueBytes, boolean join, int maxClients, Duration clientIdleTimeout,
                   Map<String, String> forceNewConfiguration) {

    /** Redis' default {@code maxclients}. */
    static final int DEFAULT_MAX_CLIENTS = 10_000;

    static final String USAGE = String.join("\n",
            "Usage: java -jar keel-kv.jar --id ID --raft HOST:PORT --resp HOST:PORT --data DIR --members ID=HOST:PORT,...",
            "                             [--join]",
            "",
            "Starts one server of a Keel cluster: a replicated key-value store that speaks the Redis protocol (RESP2).",
            "Every server accepts every command; writes and reads are forwarded to the leader. Prints",
            "'READY raft=HOST:PORT resp=HOST:PORT' on stdout once it serves; logs go to stderr. SIGTERM stops it cleanly.",
            "",
            "  --id ID                  this server's id, one of the ids in --members",
            "  --raft HOST:PORT         the address this server listens on for Raft traffic; must be its address in --members",
            "  --resp HOST:PORT         the address this server listens on for Redis clients (port 0: any free port)",
            "  --data DIR               where this server keeps its log and term/vote (created if missing; restarting with",
            "                           the same DIR resumes; one server per DIR)",
            "  --members ID=HOST:PORT,...  every voting server of the cluster with its Raft address, the same on every server",
            "                           (used once, to bootstrap: the first start records it in DIR, and afterwards the",
            "                           membership is the recorded one and the log's; later this list only gives addresses:",
            "                           a subset is fine, unknown ids are ignored, a different address for a member is",
            "                           refused at start. Add or remove servers with RAFT.ADD / RAFT.REMOVE)",
            "  --join                   start as a new server waiting to be added to a running cluster: --members then names",
            "                           servers of that cluster (this server may be left out); it takes no part in",
            "                           elections until the leader adds it (RAFT.ADD), and learns the membership from the",
            "                           leader. Keep --join on every restart of a server that joined this way",
            "  --cluster-id NAME        fix the cluster's id (default: a new cluster's first leader generates a unique one;",
            "                           every server records it in DIR). Peers of another cluster are refused, and a server",
            "                           refuses to start on a DIR of another cluster or another server id",
            "  --force-new-configuration ID=HOST:PORT,...  DANGEROUS, disaster recovery only: after a majority is lost",
            "                           for good, force a configuration of these surviving voters (this server included)",
            "                           into this server's log. Entries held only by the lost servers are lost; wipe any",
            "                           lost server that comes back before it rejoins. Give it once, then drop it",
            "  --max-value-bytes N      the largest key or value accepted (default: 1048576)",
            "  --max-clients N          the most client connections served at once (default: 10000); one more is",
            "                           answered '-ERR max number of clients reached' and closed. Lowered at start, with a",
            "                           warning, to fit the process's file-descriptor limit (ulimit -n) less those open",
            "                           and 256 kept for the log, snapshots and peers, so clients can never take them",
            "  --client-idle-timeout S  close a client connection idle (no command, none in flight) for S seconds",
            "                           (default: 0, never, as Redis' timeout)",
            "  --help                   print this help and exit",
            "",
            "Example (three servers, run one on each host, or all on one machine with ./keel-demo.sh):",
            "  java -jar keel-kv.jar --id n1 --raft 127.0.0.1:7101 --resp 127.0.0.1:6401 --data data/n1 \\",
            "       --members n1=127.0.0.1:7101,n2=127.0.0.1:7102,n3=127.0.0.1:7103",
            "A fourth server, to be added to that cluster:",
            "  java -jar keel-kv.jar --id n4 --raft 127.0.0.1:7104 --resp 127.0.0.1:6404 --data data/n4 --join \\",
            "       --members n1=127.0.0.1:7101,n2=127.0.0.1:7102,n3=127.0.0.1:7103");

    /** A host and a port. */
    record HostPort(String host, int port) {
        @Override
        public String toString() {
            return host + ":" + port;
        }

        static HostPort parse(String flag, String text, boolean portZeroAllowed) {
            int colon = text.lastIndexOf(':');
            if (colon <= 0 || colon == text.length() - 1) {
                throw new UsageException(flag + " " + text + ": expected HOST:PORT");
            }
            String host = text.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(text.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new UsageException(flag + " " + text + ": the port is not a number");
            }
            if (port < (portZeroAllowed ? 0 : 1) || port > 65535) {
                throw new UsageException(flag + " " + text + ": the port must be in " + (portZeroAllowed ? 0 : 1)
                        + "..65535");
            }
            return new HostPort(host, port);
        }
    }

    /** A command line that cannot be run; the message is the one line to print. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** Whether the command line asks for help. */
    static boolean wantsHelp(String[] args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses and checks {@code args}.
     *
     * @throws UsageException naming the first problem
     */
    static ServerFlags parse(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        boolean join = false;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--join")) {
                if (join) {
                    throw new UsageException("--join given twice");
                }
                join = true;
                continue;
            }
            if (flag.startsWith("--join=")) {
                throw new UsageException("--join takes no value");
            }
            String value;
            int eq = flag.indexOf('=');
            if (flag.startsWith("--") && eq > 0) {
                value = flag.substring(eq + 1);
                flag = flag.substring(0, eq);
            } else {
                if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                    throw new UsageException(flag.startsWith("--") ? flag + " needs a value"
                            : "unexpected argument '" + flag + "'");
                }
                value = args[++i];
            }
            switch (flag) {
                case "--id", "--raft", "--resp", "--data", "--members", "--cluster-id", "--max-value-bytes",
                     "--max-clients", "--client-idle-timeout", "--force-new-configuration" -> {
                    if (values.put(flag, value) != null) {
                        throw new UsageException(flag + " given twice");
                    }
                }
                default -> throw new UsageException("unknown flag " + flag);
            }
        }
        for (String required : new String[] {"--id", "--raft", "--resp", "--data", "--members"}) {
            if (!values.containsKey(required)) {
                throw new UsageException(required + " is required");
            }
        }
        String id = values.get("--id");
        if (id.isBlank()) {
            throw new UsageException("--id must not be empty");
        }
        HostPort raft = HostPort.parse("--raft", values.get("--raft"), false);
        HostPort resp = HostPort.parse("--resp", values.get("--resp"), true);
        Map<String, String> members = members(values.get("--members"));
        if (join && !members.containsKey(id)) {
            Map<String, String> withSelf = new LinkedHashMap<>(members);
            withSelf.put(id, raft.toString());
            members = Collections.unmodifiableMap(withSelf);
        }
        String own = members.get(id);
        if (own == null) {
            throw new UsageException("--id " + id + " is not one of --members " + members.keySet());
        }
        if (!own.equals(raft.toString())) {
            throw new UsageException("--raft " + raft + " differs from " + id + "=" + own + " in --members");
        }
        int maxValue = KvLimits.DEFAULT_MAX_VALUE_BYTES;
        if (values.containsKey("--max-value-bytes")) {
            try {
                maxValue = Integer.parseInt(values.get("--max-value-bytes"));
            } catch (NumberFormatException e) {
                maxValue = -1;
            }
            if (maxValue < 1 || maxValue > (64 << 20)) {
                throw new UsageException("--max-value-bytes " + values.get("--max-value-bytes")
                        + ": expected a number of bytes in 1..67108864");
            }
        }
        int maxClients = (int) number(values, "--max-clients", DEFAULT_MAX_CLIENTS, 1, 1_000_000,
                "a number of connections");
        long idleSeconds = number(values, "--client-idle-timeout", 0, 0, 365L * 24 * 3600, "a number of seconds");
        return new ServerFlags(id, raft, resp, Path.of(values.get("--data")), members,
                values.get("--cluster-id"), maxValue, join, maxClients, Duration.ofSeconds(idleSeconds),
                values.containsKey("--force-new-configuration")
                        ? members(values.get("--force-new-configuration")) : null);
    }

    /** The value of {@code flag}, a whole number in [min, max], or {@code absent} when the flag is not given. */
    private static long number(Map<String, String> values, String flag, long absent, long min, long max, String what) {
        String text = values.get(flag);
        if (text == null) {
            return absent;
        }
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            value = min - 1;
        }
        if (value < min || value > max) {
            throw new UsageException(flag + " " + text + ": expected " + what + " in " + min + ".." + max);
        }
        return value;
    }

    private static Map<String, String> members(String text) {
        Map<String, String> members = new LinkedHashMap<>();
        for (String part : text.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--members " + text + ": expected ID=HOST:PORT,... but found '" + part + "'");
            }
            String memberId = part.substring(0, eq).trim();
            HostPort address = HostPort.parse("--members " + memberId + "=", part.substring(eq + 1).trim(), false);
            if (members.put(memberId, address.toString()) != null) {
                throw new UsageException("--members names " + memberId + " twice");
            }
        }
        return Collections.unmodifiableMap(members);
    }
}
